import EdgeCore
import Synchronization

/// Round-trip latencies of store calls in fixed buckets (upper bounds in microseconds, the last unbounded).
public struct LatencyHistogram: Sendable, Equatable {
    /// Upper bounds of the buckets in microseconds; `counts` has one more entry, for slower calls.
    public static let boundsMicroseconds: [Int64] = [100, 250, 500, 1_000, 2_000, 5_000, 10_000, 50_000, 100_000]
    public var counts: [Int]
    /// Sum of all latencies in nanoseconds (for a mean).
    public var sumNanoseconds: Int64

    public init(
        counts: [Int] = Array(repeating: 0, count: LatencyHistogram.boundsMicroseconds.count + 1),
        sumNanoseconds: Int64 = 0
    ) {
        self.counts = counts
        self.sumNanoseconds = sumNanoseconds
    }

    public var total: Int { counts.reduce(0, +) }

    static func bucket(nanoseconds: Int64) -> Int {
        let micros = nanoseconds / 1_000
        for (index, bound) in boundsMicroseconds.enumerated() where micros < bound { return index }
        return boundsMicroseconds.count
    }

    /// The upper bound (µs) of the bucket holding the given quantile (0...1); nil when empty or in the last,
    /// unbounded bucket.
    public func quantileUpperBoundMicroseconds(_ quantile: Double) -> Int64? {
        let total = self.total
        guard total > 0 else { return nil }
        let rank = Int((Double(total) * min(1, max(0, quantile))).rounded(.up))
        var seen = 0
        for (index, count) in counts.enumerated() {
            seen += count
            if seen >= max(1, rank) {
                return index < Self.boundsMicroseconds.count ? Self.boundsMicroseconds[index] : nil
            }
        }
        return nil
    }
}

/// A snapshot of `FailoverRateLimitStore`'s counters, for `/status` and `/metrics`.
public struct FailoverStoreStats: Sendable, Equatable {
    public enum BreakerState: String, Sendable, Equatable {
        case closed, open
        case halfOpen = "half_open"
    }

    public var policy: EdgeConfig.StoreFailurePolicy
    public var breaker: BreakerState
    /// Times the breaker opened.
    public var breakerOpenings: Int
    /// Calls that went to the shared store (probes included).
    public var storeCalls: Int
    /// Calls that failed (errors and timeouts).
    public var storeErrors: Int
    /// Of `storeErrors`, those that hit the store timeout.
    public var storeTimeouts: Int
    /// Decisions taken by the fallback (`local` store, `allow`, or `deny`'s unavailable answer).
    public var fallbacks: Int
    /// Requests rejected by the local pre-check without a round trip.
    public var preCheckHits: Int
    /// Round trips that answered.
    public var latency: LatencyHistogram
    /// The per-instance store used by the `local` policy.
    public var local: RateLimitStoreStats

    /// `key: value` lines for the status page, in a stable order.
    public var statusLines: [String] {
        var lines = [
            "rate_limit_store_failure_policy: \(policy.rawValue)",
            "rate_limit_store_breaker: \(breaker.rawValue)",
            "rate_limit_store_breaker_openings: \(breakerOpenings)",
            "rate_limit_store_calls: \(storeCalls)",
            "rate_limit_store_errors: \(storeErrors)",
            "rate_limit_store_timeouts: \(storeTimeouts)",
            "rate_limit_store_fallbacks: \(fallbacks)",
            "rate_limit_store_precheck_hits: \(preCheckHits)",
        ]
        let mean = latency.total > 0 ? Double(latency.sumNanoseconds) / Double(latency.total) / 1_000 : 0
        lines.append("rate_limit_store_latency_mean_us: \(Int(mean.rounded()))")
        for (label, quantile) in [("p50", 0.5), ("p99", 0.99)] {
            let bound =
                latency.quantileUpperBoundMicroseconds(quantile).map { "\($0)" } ?? (latency.total > 0 ? "inf" : "0")
            lines.append("rate_limit_store_latency_\(label)_le_us: \(bound)")
        }
        return lines
    }
}

/// The live counters behind `FailoverStoreStats`: one atomic per counter and histogram bucket, so recording
/// takes no lock.
final class FailoverStoreCounters: Sendable {
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
        func add(_ amount: Int = 1) { value.wrappingAdd(amount, ordering: .relaxed) }
        var current: Int { value.load(ordering: .relaxed) }
    }

    let storeCalls = Counter()
    let storeErrors = Counter()
    let storeTimeouts = Counter()
    let fallbacks = Counter()
    let preCheckHits = Counter()
    let latencyBuckets = (0...LatencyHistogram.boundsMicroseconds.count).map { _ in Counter() }
    let latencySum = Atomic<Int64>(0)

    func recordLatency(nanoseconds: Int64) {
        latencyBuckets[LatencyHistogram.bucket(nanoseconds: nanoseconds)].add()
        latencySum.wrappingAdd(nanoseconds, ordering: .relaxed)
    }

    var latency: LatencyHistogram {
        LatencyHistogram(counts: latencyBuckets.map(\.current), sumNanoseconds: latencySum.load(ordering: .relaxed))
    }
}
