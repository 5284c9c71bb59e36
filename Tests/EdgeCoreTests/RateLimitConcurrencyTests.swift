import Testing
@testable import EdgeCore

@Suite struct RateLimitConcurrencyTests {
    @Test func concurrentDecisionsOnOneBucketCountExactly() async {
        let limiter = RateLimiter(rules: limits(default: rule("default", 1_000, .minutes(1))))
        let route = limiter.routes.defaultMatch
        let passed = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (0..<500).filter { _ in limiter.check(client: ip("192.0.2.1"), route: route, now: epoch).isAllowed }
                        .count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(passed == 1_000)
    }

    @Test func pairsOnDifferentShardsNeverDeadlockAndShareTheGlobalBucket() async {
        let routes = (0..<16).map { n in
            RouteRule(method: nil, path: "/r\(n)", rule: rule("r\(n)", 1_000_000, .minutes(1)))
        }
        let limiter = RateLimiter(rules: limits(global: rule("GLOBAL", 3_000, .minutes(1)), routes: routes))
        let passed = await withTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var count = 0
                    for i in 0..<1_000 {
                        let route = limiter.match(method: "GET", path: "/r\((i + task) % 16)"[...])
                        if limiter.check(client: ip("192.0.2.1"), route: route, now: epoch).isAllowed { count += 1 }
                    }
                    return count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(passed == 3_000)
    }

    @Test func memoryStoreServesTheAsyncProtocol() async throws {
        let store: any AsyncRateLimitStore = MemoryRateLimitStore(maxBuckets: 100)
        let request = BucketRequest(
            key: BucketKey(client: ip("192.0.2.1"), rule: 1),
            parameters: LimitParameters(limit: 1, period: second, algorithm: .fixedWindow), dryRun: false)
        let first = try await store.acquire(request, now: epoch)
        let second = try await store.acquire(request, now: epoch)
        #expect(first.allowed && !second.allowed)
    }

    @Test func limiterSweepDropsExpiredBuckets() {
        let limiter = RateLimiter(rules: limits())
        for n in 0..<100 { _ = limiter.check(client: .v4(UInt32(n)), route: limiter.routes.defaultMatch, now: epoch) }
        #expect(limiter.stats.liveBuckets == 200)
        // Global buckets (1 s) expire first, default ones (10 s) later.
        #expect(limiter.sweep(now: epoch + second) == 100)
        #expect(limiter.sweep(now: epoch + 10 * second) == 100)
        #expect(limiter.stats == RateLimitStoreStats(liveBuckets: 0, evictions: 0, expirations: 200))
    }
}
