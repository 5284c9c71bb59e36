import EdgeCore
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import EdgeRedis

/// A shared store under the test's control: answers from a memory store, fails, or never answers.
final class ScriptedStore: EventLoopRateLimitStore {
    enum Mode: Sendable {
        case answer
        case fail(RedisClientError)
        case hang
    }

    let backing = MemoryRateLimitStore(maxBuckets: 1_000)
    let mode = Mutex(Mode.answer)
    let calls = Atomic<Int>(0)

    func acquire(
        _ first: BucketRequest, _ second: BucketRequest, now: Int64, on eventLoop: any EventLoop
    ) -> EventLoopFuture<(BucketEvaluation, BucketEvaluation)> {
        calls.wrappingAdd(1, ordering: .relaxed)
        switch mode.withLock({ $0 }) {
        case .answer: return eventLoop.makeSucceededFuture(backing.acquire(first, second, now: now))
        case .fail(let error): return eventLoop.makeFailedFuture(error)
        case .hang: return eventLoop.makePromise(of: (BucketEvaluation, BucketEvaluation).self).futureResult
        }
    }

    func acquire(_ single: BucketRequest, now: Int64, on eventLoop: any EventLoop) -> EventLoopFuture<BucketEvaluation>
    {
        acquire(single, single, now: now, on: eventLoop).map(\.0)
    }

    func acquire(_ first: BucketRequest, _ second: BucketRequest, now: Int64) async throws -> (
        BucketEvaluation, BucketEvaluation
    ) {
        backing.acquire(first, second, now: now)
    }

    func acquire(_ single: BucketRequest, now: Int64) async throws -> BucketEvaluation {
        backing.acquire(single, now: now)
    }
}

/// Monotonic nanoseconds that move only when the test says so.
final class ManualClock: Sendable {
    private let value = Mutex<Int64>(0)
    var now: Int64 { value.withLock { $0 } }
    func advance(_ nanoseconds: Int64) { value.withLock { $0 += nanoseconds } }
}

@Suite("Failover store: timeout, breaker, policies, pre-check")
struct FailoverRateLimitStoreTests {
    static let client = IPAddress("198.51.100.9")!
    static let global = BucketRequest(
        key: BucketKey(client: client, rule: 0),
        parameters: LimitParameters(limit: 100, period: 1_000_000_000, algorithm: .fixedWindow), dryRun: false)
    static let route = BucketRequest(
        key: BucketKey(client: client, rule: 2),
        parameters: LimitParameters(limit: 2, period: 10_000_000_000, algorithm: .fixedWindow), dryRun: false)

    struct Fixture {
        let loop = EmbeddedEventLoop()
        let primary = ScriptedStore()
        let clock = ManualClock()
        let store: FailoverRateLimitStore

        init(policy: EdgeConfig.StoreFailurePolicy, preCheck: Bool = false) {
            var options = FailoverRateLimitStore.Options(policy: policy)
            options.storeTimeout = .milliseconds(50)
            options.breakerPeriod = .seconds(1)
            options.failureThreshold = 2
            options.preCheck = preCheck
            let clock = self.clock
            store = FailoverRateLimitStore(
                primary: primary, localStore: MemoryRateLimitStore(maxBuckets: 1_000), options: options,
                eventLoopGroup: loop, clock: { clock.now })
        }

        func advance(_ amount: TimeAmount) {
            clock.advance(amount.nanoseconds)
            loop.advanceTime(by: amount)
        }

        /// Runs the loop until the decision is there.
        func decide(now: Int64 = 0) -> Result<(BucketEvaluation, BucketEvaluation), any Error>? {
            let box = Mutex<Result<(BucketEvaluation, BucketEvaluation), any Error>?>(nil)
            store.acquire(FailoverRateLimitStoreTests.global, FailoverRateLimitStoreTests.route, now: now, on: loop)
                .whenComplete { result in box.withLock { $0 = result } }
            loop.run()
            return box.withLock { $0 }
        }

        var calls: Int { primary.calls.load(ordering: .relaxed) }
    }

    @Test("answers from the shared store while it works; latency is recorded")
    func healthy() throws {
        let fixture = Fixture(policy: .deny)
        let (g, r) = try #require(fixture.decide()).get()
        #expect(g.allowed && r.allowed && r.remaining == 1)
        let stats = fixture.store.stats
        #expect(stats.storeCalls == 1 && stats.storeErrors == 0 && stats.fallbacks == 0 && stats.breaker == .closed)
        #expect(stats.latency.total == 1)
    }

    @Test("a hung store: the call is decided at the timeout, the breaker opens, later calls skip the store")
    func timeoutOpensBreaker() throws {
        let fixture = Fixture(policy: .local)
        fixture.primary.mode.withLock { $0 = .hang }
        let box = Mutex<Bool>(false)
        fixture.store.acquire(Self.global, Self.route, now: 0, on: fixture.loop).whenComplete { _ in
            box.withLock { $0 = true }
        }
        fixture.advance(.milliseconds(49))
        #expect(!box.withLock { $0 })  // nothing happens before the timeout
        #expect(fixture.store.stats.fallbacks == 0)
        fixture.advance(.milliseconds(1))
        #expect(box.withLock { $0 })
        var stats = fixture.store.stats
        #expect(stats.breaker == .open && stats.storeTimeouts >= 1 && stats.breakerOpenings == 1)
        // Open: no round trip, the local store decides at once.
        let callsBefore = fixture.calls
        for _ in 0..<10 { _ = fixture.decide() }
        #expect(fixture.calls == callsBefore)
        let (_, route) = try #require(fixture.decide()).get()
        #expect(!route.allowed)  // the local store counts: limit 2 per instance
        // After the breaker period one probe goes out; Redis is back, so the breaker closes.
        fixture.primary.mode.withLock { $0 = .answer }
        fixture.advance(.seconds(1))
        _ = fixture.decide()
        stats = fixture.store.stats
        #expect(stats.breaker == .closed)
        #expect(fixture.calls == callsBefore + 1)
    }

    @Test("failures open the breaker after the threshold; a failing probe keeps it open")
    func failuresOpenBreaker() throws {
        let fixture = Fixture(policy: .allow)
        fixture.primary.mode.withLock { $0 = .fail(.connectionClosed) }
        for _ in 0..<2 {
            let (g, r) = try #require(fixture.decide()).get()
            #expect(g.allowed && r.allowed)
        }
        #expect(fixture.store.stats.breaker == .open)
        #expect(fixture.calls == 2)
        fixture.advance(.seconds(1))
        _ = fixture.decide()
        #expect(fixture.calls == 3)
        #expect(fixture.store.stats.breaker == .open)
        #expect(fixture.store.stats.storeErrors == 3)
    }

    @Test("failures must come in a row: a success in between resets the count")
    func failuresInARow() throws {
        let fixture = Fixture(policy: .local)
        for _ in 0..<3 {
            fixture.primary.mode.withLock { $0 = .fail(.connectionClosed) }
            _ = fixture.decide()
            fixture.primary.mode.withLock { $0 = .answer }
            _ = fixture.decide()
        }
        #expect(fixture.store.stats.breaker == .closed)
        #expect(fixture.store.stats.storeErrors == 3)
    }

    @Test("deny: the decision fails with RateLimitStoreUnavailable, without waiting once the breaker is open")
    func deny() {
        let fixture = Fixture(policy: .deny)
        fixture.primary.mode.withLock { $0 = .fail(.unavailable(lastError: "refused")) }
        for _ in 0..<3 {
            guard case .failure(let error) = fixture.decide() else {
                Issue.record("expected a failure")
                return
            }
            #expect(error is RateLimitStoreUnavailable)
        }
        #expect(fixture.calls == 2)
    }

    @Test("allow: passes with a fresh bucket's numbers")
    func allow() throws {
        let fixture = Fixture(policy: .allow)
        fixture.primary.mode.withLock { $0 = .fail(.connectionClosed) }
        let (_, r) = try #require(fixture.decide(now: 5)).get()
        #expect(
            r == BucketEvaluation(allowed: true, remaining: 1, resetAt: 10_000_000_005, retryAfter: 0, counted: nil))
    }

    @Test("pre-check: a full bucket is rejected locally with the store's numbers until it frees")
    func preCheck() throws {
        let fixture = Fixture(policy: .deny, preCheck: true)
        _ = fixture.decide(now: 0)
        _ = fixture.decide(now: 1)
        let (_, fromStore) = try #require(fixture.decide(now: 2)).get()
        #expect(!fromStore.allowed)
        let calls = fixture.calls
        let (_, local) = try #require(fixture.decide(now: 3_000_000_000)).get()
        #expect(fixture.calls == calls)
        let reference = fixture.primary.backing.acquire(Self.global, Self.route, now: 3_000_000_000).1
        #expect(local.allowed == reference.allowed && local.remaining == reference.remaining)
        #expect(local.resetAt == reference.resetAt && local.retryAfter == reference.retryAfter)
        #expect(fixture.store.stats.preCheckHits == 1)
        // At the window's end the store is asked again.
        let (_, fresh) = try #require(fixture.decide(now: 10_000_000_000)).get()
        #expect(fresh.allowed)
        #expect(fixture.calls == calls + 1)
    }

    @Test("status lines name every counter")
    func statusLines() {
        let fixture = Fixture(policy: .local)
        _ = fixture.decide()
        let lines = fixture.store.stats.statusLines
        #expect(lines.first == "rate_limit_store_failure_policy: local")
        #expect(lines.contains("rate_limit_store_breaker: closed"))
        #expect(lines.contains("rate_limit_store_calls: 1"))
        #expect(lines.contains { $0.hasPrefix("rate_limit_store_latency_p99_le_us: ") })
    }
}
