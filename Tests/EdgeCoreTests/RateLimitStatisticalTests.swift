import Testing
@testable import EdgeCore

/// In the style of Traefik's rate-limiter tests: a client sends at twice the limit, with jittered gaps,
/// for several windows on a simulated clock; the number let through must sit in a tight band.
@Suite struct RateLimitStatisticalTests {
    /// Sends at `rate` requests per second (uniform jitter of ±50% on every gap) for `duration` seconds;
    /// returns how many passed and the instants they passed at.
    func run(_ rule: RateLimitRule, rate: Int64, duration: Int64, seed: UInt64) -> [Int64] {
        let global = RateLimitRule(name: "GLOBAL", limit: 1_000_000, per: .seconds(1))
        let limiter = RateLimiter(rules: limits(global: global, default: rule))
        var rng = SeededGenerator(seed: seed)
        let gap = second / rate
        var now = epoch + Int64.random(in: 0..<second, using: &rng)
        let end = now + duration * second
        var passed: [Int64] = []
        while now < end {
            if limiter.check(client: ip("192.0.2.10"), route: limiter.routes.defaultMatch, now: now).isAllowed {
                passed.append(now)
            }
            now += gap / 2 + Int64.random(in: 0...gap, using: &rng)
        }
        return passed
    }

    @Test(arguments: [1 as UInt64, 2, 3, 42])
    func fixedWindowPassesLimitPerWindow(seed: UInt64) {
        let limit = 50
        let passed = run(rule("default", limit, .seconds(1)), rate: 100, duration: 10, seed: seed)
        // Ten windows of one second, each opened by its first request, each full at twice the rate.
        #expect(abs(passed.count - limit * 10) <= limit / 10, "passed \(passed.count)")
        // Cut the passes into windows (each opens at its first pass and lasts one second): every window but
        // the last holds exactly `limit`.
        var i = 0
        while i < passed.count {
            var j = i
            while j < passed.count, passed[j] < passed[i] + second { j += 1 }
            if j < passed.count { #expect(j - i == limit) } else { #expect(j - i <= limit) }
            i = j
        }
    }

    @Test(arguments: [7 as UInt64, 8, 9])
    func tokenBucketPassesBurstPlusRate(seed: UInt64) {
        let limit = 50
        let passed = run(rule("default", limit, .seconds(1), .tokenBucket), rate: 100, duration: 10, seed: seed)
        // The burst, then one every 20 ms.
        let expected = limit + limit * 10
        #expect(abs(passed.count - expected) <= expected / 50, "passed \(passed.count)")
    }

    @Test(arguments: [11 as UInt64, 12, 13])
    func slidingWindowStaysNearTheLimit(seed: UInt64) {
        let limit = 50
        let passed = run(rule("default", limit, .seconds(1), .slidingWindow), rate: 100, duration: 10, seed: seed)
        #expect(abs(passed.count - limit * 10) <= limit, "passed \(passed.count)")
    }
}
