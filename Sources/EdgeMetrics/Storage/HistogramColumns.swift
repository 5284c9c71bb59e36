import GRDB

/// SQL fragments and row decoding for the `le_*` latency bucket columns.
enum HistogramColumns {
    /// `SUM(le_100us), SUM(le_200us), ...` in bucket order.
    static let sums = LatencyBuckets.columnNames.map { "SUM(\($0))" }.joined(separator: ", ")

    /// Reads `LatencyBuckets.count` bucket columns starting at `offset`, with the given sum and max.
    static func histogram(_ row: Row, at offset: Int, sumNanos: Int64, maxNanos: Int64) -> LatencyHistogram {
        var buckets = [Int64]()
        buckets.reserveCapacity(LatencyBuckets.count)
        for index in 0..<LatencyBuckets.count {
            buckets.append((row[offset + index] as Int64?) ?? 0)
        }
        return LatencyHistogram(buckets: buckets, sumNanos: sumNanos, maxNanos: maxNanos)
    }
}
