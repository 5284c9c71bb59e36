import Testing
@testable import EdgeCore

@Suite struct RateLimitAlgorithmTests {
    /// Runs requests through one bucket, storing the counted state like a store would.
    struct Bucket {
        var parameters: LimitParameters
        var state: BucketState? = nil

        init(_ limit: Int64, per: Int64, _ algorithm: RateLimitAlgorithm) {
            parameters = LimitParameters(limit: limit, period: per, algorithm: algorithm)
        }

        mutating func hit(_ now: Int64) -> BucketEvaluation {
            let evaluation = BucketEvaluation.evaluate(parameters, state: state, now: now)
            if evaluation.allowed { state = evaluation.counted }
            return evaluation
        }
    }

    @Test func tokenBucketBurstThenEvenRefill() {
        var bucket = Bucket(10, per: 10 * second, .tokenBucket)
        for i in 0..<10 {
            let e = bucket.hit(epoch)
            #expect(e.allowed && e.remaining == Int64(9 - i))
            #expect(e.resetAt == epoch + Int64(i + 1) * second)
        }
        let rejected = bucket.hit(epoch)
        #expect(!rejected.allowed && rejected.remaining == 0 && rejected.retryAfter == second)
        #expect(rejected.resetAt == epoch + 10 * second)
        #expect(!bucket.hit(epoch + second - 1).allowed)
        let refilled = bucket.hit(epoch + second)
        #expect(refilled.allowed && refilled.remaining == 0)
        // Half the period later, five tokens are back.
        let later = bucket.hit(epoch + 6 * second)
        #expect(later.allowed && later.remaining == 4)
        // After a full idle period the bucket is fresh again.
        #expect(bucket.state!.expiresAt <= epoch + 16 * second)
        #expect(bucket.hit(epoch + 20 * second).remaining == 9)
    }

    @Test func tokenBucketSustainedRateIsLimitPerPeriod() {
        var bucket = Bucket(5, per: second, .tokenBucket)
        var passed = 0
        // 20 requests a second for 10 seconds after draining the burst.
        for i in 0..<200 where bucket.hit(epoch + Int64(i) * 50_000_000).allowed { passed += 1 }
        #expect((53...55).contains(passed), "passed \(passed)")
    }

    @Test func slidingWindowWeightsThePreviousWindow() {
        var bucket = Bucket(10, per: 10 * second, .slidingWindow)
        for _ in 0..<10 { #expect(bucket.hit(epoch).allowed) }
        let full = bucket.hit(epoch + 5 * second)
        #expect(!full.allowed && full.remaining == 0)
        // In the next window the 10 count as 10 * (1 - elapsed/period): at 30% through, 7 are still counted.
        let early = bucket.hit(epoch + 10 * second + 3 * second)
        #expect(early.allowed && early.remaining == 2)
        #expect(bucket.hit(epoch + 13 * second).allowed)
        #expect(bucket.hit(epoch + 13 * second).allowed)
        let rejected = bucket.hit(epoch + 13 * second)
        #expect(!rejected.allowed)
        // 7 + 3 = 10 is full; one more needs the weighted 10 to drop to 6: at 40% through the window.
        #expect(rejected.retryAfter == second)
        #expect(!bucket.hit(epoch + 14 * second - 1).allowed)
        #expect(bucket.hit(epoch + 14 * second).allowed)
    }

    @Test func slidingWindowRetryAfterWhenCurrentWindowIsFull() {
        var bucket = Bucket(4, per: 10 * second, .slidingWindow)
        for _ in 0..<4 { #expect(bucket.hit(epoch).allowed) }
        let rejected = bucket.hit(epoch + 2 * second)
        // Next window starts at +10 s with previous = 4: one passes once 4 * (1 - e) + 1 <= 4, e >= 2.5 s.
        #expect(rejected.retryAfter == 10_500_000_000)
        #expect(!bucket.hit(epoch + 12_500_000_000 - 1).allowed)
        #expect(bucket.hit(epoch + 12_500_000_000).allowed)
        #expect(rejected.resetAt == epoch + 20 * second)
    }

    @Test func slidingWindowForgetsAfterTwoPeriods() {
        var bucket = Bucket(3, per: second, .slidingWindow)
        for _ in 0..<3 { _ = bucket.hit(epoch) }
        #expect(bucket.state!.expiresAt == epoch + 2 * second)
        #expect(bucket.hit(epoch + 2 * second).remaining == 2)
    }

    @Test func allAlgorithmsLetExactlyLimitThroughAtOnce() {
        for algorithm in RateLimitAlgorithm.allCases {
            var bucket = Bucket(7, per: 60 * second, algorithm)
            let passed = (0..<20).filter { _ in bucket.hit(epoch).allowed }.count
            #expect(passed == 7, "\(algorithm)")
        }
    }
}
