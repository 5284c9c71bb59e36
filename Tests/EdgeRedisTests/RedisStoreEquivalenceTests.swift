import EdgeCore
import NIOCore
import Testing

@testable import EdgeRedis

/// The Redis store must answer exactly like the memory store: same calls, same clock, same numbers.
@Suite("Redis store equals the memory store", TestRedis.enabled)
struct RedisStoreEquivalenceTests {
    static let base: Int64 = 1_764_000_000_123_456_789

    static func rules(_ algorithm: RateLimitAlgorithm) -> [(LimitParameters, dryRun: Bool)] {
        [
            (LimitParameters(limit: 8, period: 1_000_000_000, algorithm: algorithm), false),  // global
            (LimitParameters(limit: 3, period: 10_000_000_000, algorithm: algorithm), false),
            (LimitParameters(limit: 1, period: 250_000_000, algorithm: algorithm), false),
            (LimitParameters(limit: 4, period: 2_000_000_000, algorithm: algorithm), true),  // dry run
            (LimitParameters(limit: 7, period: 1_000_000_333, algorithm: algorithm), false),  // uneven GCRA interval
            (LimitParameters(limit: 0, period: 5_000_000_000, algorithm: algorithm), false),  // rejects everything
            (LimitParameters(limit: 50, period: 86_400_000_000_000, algorithm: algorithm), false),
        ]
    }

    @Test(
        "a seeded random sequence of pairs and singles at stepped times",
        arguments: [RateLimitAlgorithm.fixedWindow, .tokenBucket, .slidingWindow])
    func randomized(algorithm: RateLimitAlgorithm) async throws {
        let layout = TestRedis.layout()
        let (redis, group) = try TestRedis.store(layout: layout)
        let memory = MemoryRateLimitStore(maxBuckets: 10_000)
        let seed: UInt64 = 0xA7A_4A + UInt64(RedisKeyLayout.code(algorithm))
        var random = SeededGenerator(state: seed)
        let rules = Self.rules(algorithm)
        let clients = [IPAddress("192.0.2.1")!, IPAddress("192.0.2.2")!, IPAddress("2001:db8::7")!]
        func request(_ client: IPAddress, _ rule: Int) -> BucketRequest {
            BucketRequest(
                key: BucketKey(client: client, rule: UInt32(rule)), parameters: rules[rule].0,
                dryRun: rules[rule].dryRun)
        }
        var now = Self.base
        var passes = 0
        for step in 0..<700 {
            switch random.next() % 100 {
            case 0..<55: now += Int64.random(in: 0...40_000_000, using: &random)
            case 55..<88: now += Int64.random(in: 0...1_500_000_000, using: &random)
            case 88..<96: now += Int64.random(in: 0...20_000_000_000, using: &random)
            default: now -= Int64.random(in: 0...30_000_000, using: &random)  // a clock stepping back a little
            }
            let client = clients[Int(random.next() % UInt64(clients.count))]
            let rule = 1 + Int(random.next() % UInt64(rules.count - 1))
            if random.next() % 4 == 0 {
                let expected = Observed(memory.acquire(request(client, rule), now: now))
                let actual = Observed(try await redis.acquire(request(client, rule), now: now))
                #expect(actual == expected, "seed \(seed) step \(step): single rule \(rule) at \(now)")
            } else {
                let (g, r) = memory.acquire(request(client, 0), request(client, rule), now: now)
                let (rg, rr) = try await redis.acquire(request(client, 0), request(client, rule), now: now)
                #expect(Observed(rg) == Observed(g), "seed \(seed) step \(step): global at \(now)")
                #expect(Observed(rr) == Observed(r), "seed \(seed) step \(step): rule \(rule) at \(now)")
                if r.allowed && g.allowed { passes += 1 }
            }
        }
        #expect(passes > 50, "the sequence exercised both passes and rejections")
        try await TestRedis.close(redis, group)
    }

    @Test(
        "long windows and large counts stay exact (numbers beyond 2^53 in the sliding window's products)",
        arguments: [RateLimitAlgorithm.fixedWindow, .tokenBucket, .slidingWindow])
    func largeNumbers(algorithm: RateLimitAlgorithm) async throws {
        let layout = TestRedis.layout()
        let (redis, group) = try TestRedis.store(layout: layout)
        let memory = MemoryRateLimitStore(maxBuckets: 100)
        let week: Int64 = 7 * 86_400_000_000_000
        let bucket = BucketRequest(
            key: BucketKey(client: IPAddress("198.51.100.77")!, rule: 9),
            parameters: LimitParameters(limit: 300, period: week, algorithm: algorithm), dryRun: false)
        var random = SeededGenerator(state: 99)
        var now = Self.base
        for step in 0..<420 {
            now += Int64.random(in: 0...(week / 150), using: &random)
            let expected = Observed(memory.acquire(bucket, now: now))
            let actual = Observed(try await redis.acquire(bucket, now: now))
            #expect(actual == expected, "step \(step) at \(now)")
        }
        try await TestRedis.close(redis, group)
    }
}
