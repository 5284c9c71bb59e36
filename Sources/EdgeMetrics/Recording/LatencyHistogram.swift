/// Latency counts over `LatencyBuckets`, with the exact sum and maximum, as merged and stored.
///
/// Percentiles are read from the buckets the way Prometheus' `histogram_quantile` does: find the bucket
/// holding the `ceil(p × count)`-th smallest value and interpolate linearly between its bounds, by that
/// value's rank within the bucket. The estimate never exceeds the recorded maximum (exact for p100), and
/// a value in the unbounded last bucket reads as the maximum. The error is bounded by the bucket's width.
public struct LatencyHistogram: Sendable, Equatable, Codable {
    /// Counts per bucket; `LatencyBuckets.count` entries.
    public var buckets: [Int64]
    /// Sum of all recorded latencies, nanoseconds.
    public var sumNanos: Int64
    /// Largest recorded latency, nanoseconds.
    public var maxNanos: Int64

    public init() {
        buckets = Array(repeating: 0, count: LatencyBuckets.count)
        sumNanos = 0
        maxNanos = 0
    }

    public init(buckets: [Int64], sumNanos: Int64, maxNanos: Int64) {
        precondition(buckets.count == LatencyBuckets.count, "a histogram has \(LatencyBuckets.count) buckets")
        self.buckets = buckets
        self.sumNanos = sumNanos
        self.maxNanos = maxNanos
    }

    /// Number of recorded values.
    public var count: Int64 { buckets.reduce(0, +) }

    /// Records one latency (used off the hot path; shards keep flat counters instead).
    public mutating func record(nanos: Int64) {
        let value = max(0, nanos)
        buckets[LatencyBuckets.index(forNanos: value)] += 1
        sumNanos += value
        maxNanos = max(maxNanos, value)
    }

    public mutating func merge(_ other: LatencyHistogram) {
        for index in buckets.indices { buckets[index] += other.buckets[index] }
        sumNanos += other.sumNanos
        maxNanos = max(maxNanos, other.maxNanos)
    }

    /// The estimate for percentile `fraction` (0.5 for p50, 0.99 for p99) in nanoseconds; 0 when empty.
    public func percentileNanos(_ fraction: Double) -> Int64 {
        let total = count
        guard total > 0 else { return 0 }
        let rank = max(1, Int64((fraction * Double(total)).rounded(.up)))
        var seen: Int64 = 0
        for (index, bucketCount) in buckets.enumerated() where bucketCount > 0 {
            if seen + bucketCount >= rank {
                guard index < LatencyBuckets.upperBoundsNanos.count else { return maxNanos }
                let lower = index == 0 ? 0 : LatencyBuckets.upperBoundsNanos[index - 1]
                let upper = LatencyBuckets.upperBoundsNanos[index]
                let estimate = lower + (upper - lower) * (rank - seen) / bucketCount
                return min(estimate, maxNanos)
            }
            seen += bucketCount
        }
        return maxNanos
    }

    /// Mean latency in nanoseconds; 0 when empty.
    public var meanNanos: Int64 {
        let total = count
        return total == 0 ? 0 : sumNanos / total
    }
}
