import EdgeCore
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import EdgeRedis

private let second: Int64 = 1_000_000_000

@Suite("Fleet: instances sharing one Redis", TestRedis.enabled)
struct RedisFleetTests {
    static let base: Int64 = 1_764_000_000_000_000_000

    static func pair(_ client: IPAddress, route: LimitParameters) -> (BucketRequest, BucketRequest) {
        (
            BucketRequest(
                key: BucketKey(client: client, rule: 0),
                parameters: LimitParameters(limit: 1_000, period: second, algorithm: .fixedWindow), dryRun: false),
            BucketRequest(key: BucketKey(client: client, rule: 2), parameters: route, dryRun: false)
        )
    }

    @Test("the script's SHA-1 is the one Redis computes")
    func scriptSHA() async throws {
        let (store, group) = try TestRedis.store(layout: TestRedis.layout())
        let reply = try await store.client.send(RedisRateLimitStore.scriptLoadCommand)
        #expect(reply.string == RedisRateLimitStore.scriptSHA1)
        try await TestRedis.close(store, group)
    }

    @Test("two instances alternating: exactly `limit` passes per window, consistent remaining and reset")
    func twoInstances() async throws {
        let layout = TestRedis.layout()
        let (a, groupA) = try TestRedis.store(layout: layout)
        let (b, groupB) = try TestRedis.store(layout: layout)
        let reference = MemoryRateLimitStore(maxBuckets: 100)
        let route = LimitParameters(limit: 5, period: second, algorithm: .fixedWindow)
        let (global, routeRequest) = Self.pair(IPAddress("203.0.113.7")!, route: route)
        for window in 0..<3 {
            let start = Self.base + Int64(window) * second
            var passed = 0
            for i in 0..<12 {
                let now = start + Int64(i) * 50_000_000
                let store = i % 2 == 0 ? a : b
                let (_, r) = try await store.acquire(global, routeRequest, now: now)
                let (_, expected) = reference.acquire(global, routeRequest, now: now)
                #expect(Observed(r) == Observed(expected), "window \(window) request \(i)")
                #expect(r.resetAt == start + second)
                if r.allowed {
                    passed += 1
                    #expect(r.remaining == Int64(5 - passed))
                }
            }
            #expect(passed == 5, "window \(window)")
        }
        try await TestRedis.close(a, groupA)
        try await TestRedis.close(b, groupB)
    }

    @Test(
        "pre-check on two instances: local rejections carry the numbers Redis would give",
        arguments: [RateLimitAlgorithm.fixedWindow, .tokenBucket])
    func preCheck(algorithm: RateLimitAlgorithm) async throws {
        let layout = TestRedis.layout()
        let (a, groupA) = try TestRedis.store(layout: layout)
        let (b, groupB) = try TestRedis.store(layout: layout)
        // This test is about exact numbers, not timeouts: a generous store timeout keeps a loaded CI machine
        // (parallel tests on 2 cores) from turning a slow answer into a fallback.
        var options = FailoverRateLimitStore.Options(policy: .deny)
        options.storeTimeout = .seconds(5)
        let instances = [(a, groupA), (b, groupB)].map { redis, group in
            FailoverRateLimitStore(
                primary: redis, localStore: MemoryRateLimitStore(maxBuckets: 100), options: options,
                eventLoopGroup: group)
        }
        let reference = MemoryRateLimitStore(maxBuckets: 100)
        let route = LimitParameters(limit: 4, period: 2 * second, algorithm: algorithm)
        let (global, routeRequest) = Self.pair(IPAddress("203.0.113.33")!, route: route)
        var now = Self.base
        for i in 0..<80 {
            now += 97_000_000
            let (_, r) = try await instances[i % 2].acquire(global, routeRequest, now: now)
            let (_, expected) = reference.acquire(global, routeRequest, now: now)
            #expect(Observed(r) == Observed(expected), "\(algorithm) request \(i)")
        }
        #expect(instances.map { $0.stats.preCheckHits }.reduce(0, +) > 10)
        try await TestRedis.close(a, groupA)
        try await TestRedis.close(b, groupB)
    }

    @Test("64 concurrent tasks through two instances never let more than `limit` through per window")
    func concurrency() async throws {
        let layout = TestRedis.layout()
        let (a, groupA) = try TestRedis.store(layout: layout) { $0.connectionsPerLoop = 2 }
        let (b, groupB) = try TestRedis.store(layout: layout)
        for algorithm in RateLimitAlgorithm.allCases {
            let route = LimitParameters(limit: 10, period: second, algorithm: algorithm)
            let (global, routeRequest) = Self.pair(IPAddress("203.0.113.64")!, route: route)
            for window in 0..<2 {
                // Every request in one instant of the window: the limit is the only thing that can stop them.
                let now = Self.base + Int64(window) * 10 * second
                let passed = try await withThrowingTaskGroup(of: Int.self) { tasks in
                    for task in 0..<64 {
                        let store = task % 2 == 0 ? a : b
                        tasks.addTask {
                            var passed = 0
                            for _ in 0..<4 where try await store.acquire(global, routeRequest, now: now).1.allowed {
                                passed += 1
                            }
                            return passed
                        }
                    }
                    return try await tasks.reduce(0, +)
                }
                #expect(passed == 10, "\(algorithm) window \(window)")
            }
        }
        try await TestRedis.close(a, groupA)
        try await TestRedis.close(b, groupB)
    }

    @Test("NOSCRIPT: after SCRIPT FLUSH the store sends the script with EVAL and goes on")
    func noScriptRecovery() async throws {
        let layout = TestRedis.layout()
        let (store, group) = try TestRedis.store(layout: layout)
        let route = LimitParameters(limit: 3, period: 10 * second, algorithm: .fixedWindow)
        let (global, routeRequest) = Self.pair(IPAddress("203.0.113.9")!, route: route)
        #expect(try await store.acquire(global, routeRequest, now: Self.base).1.remaining == 2)
        #expect(try await store.client.send(RESPCommand(["SCRIPT", "FLUSH"])).string == "OK")
        #expect(try await store.acquire(global, routeRequest, now: Self.base + 1).1.remaining == 1)
        let exists = try await store.client.send(RESPCommand(["SCRIPT", "EXISTS", RedisRateLimitStore.scriptSHA1]))
        #expect(exists.array == [.integer(1)])
        #expect(try await store.acquire(routeRequest, now: Self.base + 2).remaining == 0)
        try await TestRedis.close(store, group)
    }

    @Test("every key gets a TTL: its bucket's expiry plus the margin")
    func ttls() async throws {
        let layout = TestRedis.layout()
        let (store, group) = try TestRedis.store(layout: layout, ttlMargin: .seconds(1))
        let now = Self.base
        var written = 0
        for (index, algorithm) in RateLimitAlgorithm.allCases.enumerated() {
            let route = LimitParameters(limit: 2, period: 10 * second, algorithm: algorithm)
            let client = IPAddress("203.0.113.\(100 + index)")!
            let (global, routeRequest) = Self.pair(client, route: route)
            for step in 0..<3 { _ = try await store.acquire(global, routeRequest, now: now + Int64(step)) }
            _ = try await store.acquire(
                BucketRequest(key: BucketKey(client: client, rule: 7), parameters: route, dryRun: true), now: now)
            written += 3
        }
        let keys = try await TestRedis.keys(store.client, layout: layout)
        #expect(keys.count <= written)
        for (key, ttl) in keys {
            // The longest bucket life here is the sliding window's two periods (20 s), plus a 1 s margin.
            // -1 would be a key without expiry (unbounded memory); -2 is a key that already expired between
            // SCAN and PTTL (the 1 s global buckets live about 2 s, and a loaded machine can be that slow).
            #expect(ttl != -1 && ttl <= 21_000, "\(key) has TTL \(ttl) ms")
        }
        try await TestRedis.close(store, group)
    }

    @Test("SELECT: a store on another database keeps its buckets there")
    func database() async throws {
        let layout = TestRedis.layout()
        let other = (try TestRedis.configuration.database + 1) % 16
        let (store, group) = try TestRedis.store(layout: layout) { $0.database = other }
        let (home, homeGroup) = try TestRedis.store(layout: layout)
        let route = LimitParameters(limit: 3, period: 10 * second, algorithm: .fixedWindow)
        let (global, routeRequest) = Self.pair(IPAddress("203.0.113.11")!, route: route)
        _ = try await store.acquire(global, routeRequest, now: Self.base)
        let key = layout.key(for: routeRequest)
        #expect(try await store.client.send(RESPCommand(["EXISTS", key])).integer == 1)
        #expect(try await home.client.send(RESPCommand(["EXISTS", key])).integer == 0)
        _ = try await store.client.send(RESPCommand(["DEL", key, layout.key(for: global)]))
        try await TestRedis.close(store, group)
        try await TestRedis.close(home, homeGroup)
    }

    @Test("a wrong password is a setup error that names AUTH")
    func wrongPassword() async throws {
        let (store, group) = try TestRedis.store(layout: TestRedis.layout()) { $0.password = "not-the-password" }
        await #expect {
            try await store.client.send(RESPCommand(["PING"]))
        } throws: { error in
            guard case .setupFailed(let command, _) = error as? RedisClientError else { return false }
            return command == "AUTH"
        }
        try await TestRedis.close(store, group)
    }
}
