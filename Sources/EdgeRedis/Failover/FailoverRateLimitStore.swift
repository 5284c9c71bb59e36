import EdgeCore
import NIOCore
import Synchronization

/// The store the proxy uses in fleet mode: a shared store (Redis) guarded by a timeout, a circuit breaker,
/// the `on_store_failure` policy and an optional local pre-check.
///
/// - Every call to the shared store is bounded by `Options.storeTimeout`: at that instant the call is decided
///   by the fallback even if the store answers later (a late answer is dropped).
/// - `CircuitBreaker`: after `failureThreshold` failures in a row or one timeout, calls go straight to the
///   fallback for `breakerPeriod`; then one call probes the store and closes the breaker when it answers.
/// - Fallback by policy: `local` decides with the per-instance `localStore` (the limits hold per instance
///   while the shared store is away; its counts are not merged back); `allow` lets the request through;
///   `deny` fails with `RateLimitStoreUnavailable` (the proxy answers 503).
/// - Pre-check (`Options.preCheck`): see `BlockedBucketCache`. A request whose enforced bucket is known to be
///   full is rejected locally with the store's own numbers. When only the route bucket is known to be full,
///   the global bucket's evaluation is not known; it is reported as passing (it only feeds the
///   would-reject metric), so in the rare case where the global bucket filled up meanwhile through other
///   routes, the local 429 names the route bucket instead of the global one (same status, nothing counted).
public final class FailoverRateLimitStore: EventLoopRateLimitStore {
    /// Tuning, with defaults fit for a Redis on the same network.
    public struct Options: Sendable, Equatable {
        public var policy: EdgeConfig.StoreFailurePolicy
        /// Longest a decision waits for the shared store.
        public var storeTimeout: TimeAmount = .milliseconds(100)
        /// Failures in a row that open the breaker (one timeout always does).
        public var failureThreshold = 3
        /// How long the breaker stays open before a probe.
        public var breakerPeriod: TimeAmount = .seconds(1)
        /// Reject locally the requests whose bucket a recent answer showed to be full.
        public var preCheck = true
        /// Most buckets the pre-check remembers.
        public var preCheckCapacity = 65_536

        public init(policy: EdgeConfig.StoreFailurePolicy) {
            self.policy = policy
        }
    }

    public let primary: any EventLoopRateLimitStore
    /// The per-instance store of the `local` policy; the proxy sweeps it like its in-memory store
    /// (`RateLimiter(rules:store:)` with this store makes `RateLimiter.sweep` do it).
    public let localStore: MemoryRateLimitStore
    public let options: Options
    let eventLoopGroup: any EventLoopGroup
    private let clock: @Sendable () -> Int64
    private let breaker: Mutex<CircuitBreaker>
    /// Mirrors the breaker so the common path reads one atomic instead of taking the lock: 0 closed with no
    /// failure counted, 1 closed with failures counted (a success must reset them), 2 open or half-open.
    private let breakerSummary = Atomic<Int>(0)
    private let blocked: BlockedBucketCache?
    private let counters = FailoverStoreCounters()

    /// `clock`: monotonic nanoseconds, for the breaker and latencies (tests inject one).
    public init(
        primary: any EventLoopRateLimitStore, localStore: MemoryRateLimitStore, options: Options,
        eventLoopGroup: any EventLoopGroup,
        clock: @escaping @Sendable () -> Int64 = { Int64(NIODeadline.now().uptimeNanoseconds) }
    ) {
        self.primary = primary
        self.localStore = localStore
        self.options = options
        self.eventLoopGroup = eventLoopGroup
        self.clock = clock
        breaker = Mutex(
            CircuitBreaker(failureThreshold: options.failureThreshold, openDuration: options.breakerPeriod.nanoseconds))
        blocked = options.preCheck ? BlockedBucketCache(capacity: options.preCheckCapacity) : nil
    }

    // MARK: Futures (the proxy's hot path)

    public func acquire(
        _ first: BucketRequest, _ second: BucketRequest, now: Int64, on eventLoop: any EventLoop
    ) -> EventLoopFuture<(BucketEvaluation, BucketEvaluation)> {
        if let blocked {
            let a = blocked.evaluation(for: first, now: now)
            let b = blocked.evaluation(for: second, now: now)
            if (a != nil && !first.dryRun) || (b != nil && !second.dryRun) {
                counters.preCheckHits.add()
                return eventLoop.makeSucceededFuture((a ?? Self.notEvaluated(now), b ?? Self.notEvaluated(now)))
            }
        }
        return guarded(
            on: eventLoop,
            call: { self.primary.acquire(first, second, now: now, on: eventLoop) },
            learn: { pair in
                self.blocked?.learn(first, pair.0, now: now)
                self.blocked?.learn(second, pair.1, now: now)
            },
            fallback: { () throws(RateLimitStoreUnavailable) in
                switch self.options.policy {
                case .local: return self.localStore.acquire(first, second, now: now)
                case .allow: return (Self.allowed(first, now), Self.allowed(second, now))
                case .deny: throw RateLimitStoreUnavailable(reason: "shared store unreachable")
                }
            })
    }

    public func acquire(
        _ single: BucketRequest, now: Int64, on eventLoop: any EventLoop
    ) -> EventLoopFuture<BucketEvaluation> {
        if let evaluation = blocked?.evaluation(for: single, now: now) {
            counters.preCheckHits.add()
            return eventLoop.makeSucceededFuture(evaluation)
        }
        return guarded(
            on: eventLoop,
            call: { self.primary.acquire(single, now: now, on: eventLoop) },
            learn: { self.blocked?.learn(single, $0, now: now) },
            fallback: { () throws(RateLimitStoreUnavailable) in
                switch self.options.policy {
                case .local: return self.localStore.acquire(single, now: now)
                case .allow: return Self.allowed(single, now)
                case .deny: throw RateLimitStoreUnavailable(reason: "shared store unreachable")
                }
            })
    }

    // MARK: async

    public func acquire(
        _ first: BucketRequest, _ second: BucketRequest, now: Int64
    ) async throws -> (BucketEvaluation, BucketEvaluation) {
        try await acquire(first, second, now: now, on: eventLoopGroup.next()).get()
    }

    public func acquire(_ single: BucketRequest, now: Int64) async throws -> BucketEvaluation {
        try await acquire(single, now: now, on: eventLoopGroup.next()).get()
    }

    /// Closes the shared store's connections (when it is a `RedisRateLimitStore`); call on shutdown, before
    /// the event loop group goes.
    public func shutdown() async {
        if let redis = primary as? RedisRateLimitStore { await redis.client.shutdown() }
    }

    // MARK: Stats

    public var stats: FailoverStoreStats {
        let (state, openings) = breaker.withLock { ($0.state, $0.openings) }
        let breakerState: FailoverStoreStats.BreakerState
        switch state {
        case .closed: breakerState = .closed
        case .open: breakerState = .open
        case .halfOpen: breakerState = .halfOpen
        }
        return FailoverStoreStats(
            policy: options.policy, breaker: breakerState, breakerOpenings: openings,
            storeCalls: counters.storeCalls.current, storeErrors: counters.storeErrors.current,
            storeTimeouts: counters.storeTimeouts.current, fallbacks: counters.fallbacks.current,
            preCheckHits: counters.preCheckHits.current, latency: counters.latency, local: localStore.stats)
    }

    // MARK: The guarded call

    private func admit() -> CircuitBreaker.Admission {
        if breakerSummary.load(ordering: .relaxed) < 2 { return .call }
        let now = clock()
        return breaker.withLock { $0.admit(now: now) }
    }

    private func report(success: Bool, timeout: Bool, probe: Bool) {
        if success, !probe, breakerSummary.load(ordering: .relaxed) == 0 { return }
        let now = clock()
        let summary = breaker.withLock { breaker in
            if success {
                breaker.succeeded(probe: probe)
            } else {
                breaker.failed(now: now, timeout: timeout, probe: probe)
            }
            switch breaker.state {
            case .closed(let failures): return failures == 0 ? 0 : 1
            case .open, .halfOpen: return 2
            }
        }
        breakerSummary.store(summary, ordering: .relaxed)
    }

    /// Calls the store under the breaker and the timeout; any failure, the timeout or an open breaker is
    /// answered by `fallback` (whose error, for `deny`, fails the future).
    private func guarded<Value: Sendable>(
        on eventLoop: any EventLoop,
        call: () -> EventLoopFuture<Value>,
        learn: @escaping @Sendable (Value) -> Void,
        fallback: @escaping @Sendable () throws(RateLimitStoreUnavailable) -> Value
    ) -> EventLoopFuture<Value> {
        let admission = admit()
        guard admission != .fallback else {
            counters.fallbacks.add()
            return eventLoop.makeCompletedFuture { try fallback() }
        }
        let probe = admission == .probe
        counters.storeCalls.add()
        let started = clock()
        let promise = eventLoop.makePromise(of: Value.self)
        let decided = DecidedOnce()
        let fail: @Sendable (_ timeout: Bool) -> Void = { timeout in
            self.counters.storeErrors.add()
            if timeout { self.counters.storeTimeouts.add() }
            self.report(success: false, timeout: timeout, probe: probe)
            self.counters.fallbacks.add()
            promise.completeWith(Result { () throws(RateLimitStoreUnavailable) in try fallback() })
        }
        let timer = eventLoop.scheduleTask(in: options.storeTimeout) {
            guard decided.claim() else { return }
            fail(true)
        }
        call().hop(to: eventLoop).whenComplete { result in
            guard decided.claim() else { return }
            timer.cancel()
            switch result {
            case .success(let value):
                self.counters.recordLatency(nanoseconds: self.clock() - started)
                self.report(success: true, timeout: false, probe: probe)
                learn(value)
                promise.succeed(value)
            case .failure(let error):
                let timeout: Bool
                switch error as? RedisClientError {
                case .commandTimeout, .connectTimeout: timeout = true
                default: timeout = false
                }
                fail(timeout)
            }
        }
        return promise.futureResult
    }

    /// `allow` policy: the request passes; the numbers describe a fresh bucket.
    static func allowed(_ request: BucketRequest, _ now: Int64) -> BucketEvaluation {
        BucketEvaluation(
            allowed: true, remaining: max(0, request.parameters.limit - 1), resetAt: now + request.parameters.period,
            retryAfter: 0, counted: nil)
    }

    /// The other bucket of a pre-checked rejection, which was not asked (see the type's documentation).
    static func notEvaluated(_ now: Int64) -> BucketEvaluation {
        BucketEvaluation(allowed: true, remaining: 0, resetAt: now, retryAfter: 0, counted: nil)
    }
}

/// Whichever comes first, the store's answer or the timeout, decides; the other is dropped. Atomic, since the
/// async entry points may start a call off the event loop.
private final class DecidedOnce: Sendable {
    private let flag = Atomic<Bool>(false)

    func claim() -> Bool {
        flag.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
    }
}
