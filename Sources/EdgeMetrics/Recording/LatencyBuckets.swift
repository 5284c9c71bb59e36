/// The fixed, log-spaced latency buckets every histogram in EdgeMetrics uses (shards, SQLite, Prometheus).
///
/// The bounds follow a 1-2-5 series from 100 µs to 20 s, then 60 s, and a last bucket for anything
/// slower. Bucket `i` counts latencies in `(upperBoundsNanos[i-1], upperBoundsNanos[i]]` (bucket 0 from
/// zero). The bounds are part of the database schema (`le_*` columns, see `docs/metrics-schema.md`): changing
/// them needs a migration.
public enum LatencyBuckets {
    /// Inclusive upper bounds in nanoseconds; the bucket after the last one is unbounded.
    public static let upperBoundsNanos: [Int64] = [
        100_000, 200_000, 500_000,
        1_000_000, 2_000_000, 5_000_000,
        10_000_000, 20_000_000, 50_000_000,
        100_000_000, 200_000_000, 500_000_000,
        1_000_000_000, 2_000_000_000, 5_000_000_000,
        10_000_000_000, 20_000_000_000, 60_000_000_000,
    ]

    /// Number of buckets, the unbounded one included.
    public static let count = 19

    /// Column names of the buckets in the `request_minutes` and `upstream_minutes` tables, in order.
    public static let columnNames: [String] = [
        "le_100us", "le_200us", "le_500us",
        "le_1ms", "le_2ms", "le_5ms",
        "le_10ms", "le_20ms", "le_50ms",
        "le_100ms", "le_200ms", "le_500ms",
        "le_1s", "le_2s", "le_5s",
        "le_10s", "le_20s", "le_60s",
        "le_inf",
    ]

    /// The bucket a latency falls in. Negative latencies count as zero.
    @inline(__always)
    public static func index(forNanos nanos: Int64) -> Int {
        // Unrolled search over the bounds above: no array access (and no lazy global) on the hot path.
        if nanos <= 10_000_000 {
            if nanos <= 100_000 { return 0 }
            if nanos <= 200_000 { return 1 }
            if nanos <= 500_000 { return 2 }
            if nanos <= 1_000_000 { return 3 }
            if nanos <= 2_000_000 { return 4 }
            if nanos <= 5_000_000 { return 5 }
            return 6
        }
        if nanos <= 20_000_000 { return 7 }
        if nanos <= 50_000_000 { return 8 }
        if nanos <= 100_000_000 { return 9 }
        if nanos <= 200_000_000 { return 10 }
        if nanos <= 500_000_000 { return 11 }
        if nanos <= 1_000_000_000 { return 12 }
        if nanos <= 2_000_000_000 { return 13 }
        if nanos <= 5_000_000_000 { return 14 }
        if nanos <= 10_000_000_000 { return 15 }
        if nanos <= 20_000_000_000 { return 16 }
        if nanos <= 60_000_000_000 { return 17 }
        return 18
    }
}
