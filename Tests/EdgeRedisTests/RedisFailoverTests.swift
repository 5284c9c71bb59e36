import EdgeCore
import NIOCore
import NIOPosix
import Testing

@testable import EdgeRedis

/// Redis going away mid-run, through a relay the test can break: a hung Redis (`blackhole`), a stopped one
/// (`refuse`), killed connections.
@Suite("Failover against a real Redis", TestRedis.enabled, .timeLimit(.minutes(1)))
struct RedisFailoverTests {
    static let base: Int64 = 1_764_000_000_000_000_000
    /// Long enough that a live Redis answers in time on a loaded two-core CI machine (every suite runs in
    /// parallel). Without the timeout a call would wait for the hung connection for good: the tests' time
    /// limit catches that, and the timeout counters show which path answered (no wall-clock bound here).
    static let storeTimeout = TimeAmount.milliseconds(250)
    static let breakerPeriod = TimeAmount.milliseconds(500)

    struct Fleet {
        let relay = TCPRelay()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let store: FailoverRateLimitStore
        let redis: RedisRateLimitStore

        init(policy: EdgeConfig.StoreFailurePolicy) async throws {
            let url = try await relay.start(to: try TestRedis.configuration)
            var configuration = try RedisConfiguration(url: url)
            configuration.password = try TestRedis.configuration.password
            configuration.commandTimeout = RedisFailoverTests.storeTimeout
            configuration.connectTimeout = RedisFailoverTests.storeTimeout
            configuration.initialBackoff = .milliseconds(20)
            configuration.maxBackoff = .milliseconds(100)
            redis = RedisRateLimitStore(configuration: configuration, eventLoopGroup: group, layout: TestRedis.layout())
            var options = FailoverRateLimitStore.Options(policy: policy)
            options.storeTimeout = RedisFailoverTests.storeTimeout
            options.breakerPeriod = RedisFailoverTests.breakerPeriod
            options.preCheck = false
            store = FailoverRateLimitStore(
                primary: redis, localStore: MemoryRateLimitStore(maxBuckets: 1_000), options: options,
                eventLoopGroup: group)
        }

        func close() async throws {
            await redis.client.shutdown()
            try await relay.stop()
            try await group.shutdownGracefully()
        }
    }

    static let route = BucketRequest(
        key: BucketKey(client: IPAddress("192.0.2.50")!, rule: 2),
        parameters: LimitParameters(limit: 3, period: 60_000_000_000, algorithm: .fixedWindow), dryRun: false)
    static let global = BucketRequest(
        key: BucketKey(client: IPAddress("192.0.2.50")!, rule: 0),
        parameters: LimitParameters(limit: 1_000, period: 60_000_000_000, algorithm: .fixedWindow), dryRun: false)

    /// One decision: the route's evaluation, or the store's error.
    static func decide(_ store: FailoverRateLimitStore, now: Int64) async -> Result<BucketEvaluation, any Error> {
        do {
            let (_, route) = try await store.acquire(global, route, now: now)
            return .success(route)
        } catch {
            return .failure(error)
        }
    }

    @Test("local: a hung Redis costs one timeout, then local limits; shared limits return with Redis")
    func localPolicy() async throws {
        let fleet = try await Fleet(policy: .local)
        var now = Self.base
        for expected in [2, 1] as [Int64] {
            now += 1
            let result = await Self.decide(fleet.store, now: now)
            #expect(try result.get().remaining == expected)
        }
        fleet.relay.set(.blackhole)
        var local: [Int64] = []
        for _ in 0..<5 {
            now += 1
            let result = await Self.decide(fleet.store, now: now)
            if let evaluation = try? result.get(), evaluation.allowed { local.append(evaluation.remaining) }
        }
        #expect(local == [2, 1, 0], "the local store decides with per-instance limits")
        var stats = fleet.store.stats
        // The open breaker sends nothing to Redis: one call timed out, the others never went out (a second
        // timeout only if the machine was so slow that the breaker period passed and a probe went out).
        #expect(stats.breaker != .closed && stats.fallbacks == 5)
        #expect(stats.storeTimeouts >= 1 && stats.storeCalls == 2 + stats.storeTimeouts)
        // Redis is back: after the breaker period a probe closes the breaker and Redis's count (2) resumes.
        fleet.relay.set(.forward)
        try await Task.sleep(for: .milliseconds(600))
        now += 1
        var result = await Self.decide(fleet.store, now: now)
        for _ in 0..<3 {
            // Redis still has one slot left for this client; the local store has none. A probe that did not
            // make it within the store timeout (reconnecting on a loaded machine) was answered locally: the
            // next period's probe tries again.
            guard case .success(let evaluation) = result, !evaluation.allowed else { break }
            try await Task.sleep(for: .milliseconds(600))
            result = await Self.decide(fleet.store, now: now)
        }
        #expect(try result.get().allowed && result.get().remaining == 0)
        now += 1
        #expect(try await Self.decide(fleet.store, now: now).get().allowed == false)
        stats = fleet.store.stats
        #expect(stats.breaker == .closed)
        try await fleet.close()
    }

    @Test("a stopped Redis: deny answers unavailable, allow passes, local decides with local limits")
    func stoppedRedis() async throws {
        for policy in [EdgeConfig.StoreFailurePolicy.deny, .allow, .local] {
            let fleet = try await Fleet(policy: policy)
            var now = Self.base
            now += 1
            #expect(try await Self.decide(fleet.store, now: now).get().remaining == 2)
            fleet.relay.set(.refuse)
            for _ in 0..<6 {
                now += 1
                let result = await Self.decide(fleet.store, now: now)
                switch (policy, result) {
                case (.deny, .failure(let error)): #expect(error is RateLimitStoreUnavailable)
                case (.allow, .success(let evaluation)): #expect(evaluation.allowed)
                case (.local, .success): break
                default: Issue.record("\(policy): unexpected \(result)")
                }
            }
            #expect(fleet.store.stats.breaker != .closed)
            try await fleet.close()
        }
    }

    @Test("killed connections are replaced: the next calls reconnect and share the same counts")
    func killedConnections() async throws {
        let fleet = try await Fleet(policy: .deny)
        var now = Self.base + 1
        #expect(try await Self.decide(fleet.store, now: now).get().remaining == 2)
        fleet.relay.set(.refuse)
        // Let the closes land before Redis is reachable again, so no call is counted with its reply lost.
        try await Task.sleep(for: .milliseconds(100))
        fleet.relay.set(.forward)
        var remaining: [Int64] = []
        for _ in 0..<20 where remaining.count < 2 {
            now += 1
            if case .success(let evaluation) = await Self.decide(fleet.store, now: now) {
                remaining.append(evaluation.remaining)
            } else {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(remaining == [1, 0])
        try await fleet.close()
    }
}
