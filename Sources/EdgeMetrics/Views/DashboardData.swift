import GRDB

/// The series the dashboard draws, read from SQLite for one time window.
struct DashboardData: Sendable {
    /// A window: `points` steps of `step` seconds, the last one starting at or before `end`.
    struct Window: Sendable {
        var title: String
        var step: Int64
        var points: Int
        var start: Int64

        /// The window of `points` steps of `step` seconds ending with the step that holds `now` (seconds).
        init(title: String, step: Int64, points: Int, now: Int64) {
            self.title = title
            self.step = step
            self.points = points
            start = (now - ((now % step) + step) % step) - Int64(points - 1) * step
        }

        var end: Int64 { start + Int64(points) * step }

        func index(ofMinute minute: Int64) -> Int? {
            guard minute >= start, minute < end else { return nil }
            return Int((minute - start) / step)
        }

        func time(at index: Int) -> Int64 { start + Int64(index) * step }
    }

    var window: Window
    /// Requests per second by status class (index 1...5 = 1xx...5xx, 0 = other), per point.
    var requestsPerSecond: [[Double]]
    /// 429 responses per second per point.
    var limitedPerSecond: [Double]
    /// p99 latency in milliseconds per point (0 where no request).
    var p99Milliseconds: [Double]
    /// Highest number of open gateway connections per point.
    var gatewayPeak: [Double]
    /// Gateway connections opened per minute, averaged over the point.
    var gatewayOpenedPerMinute: [Double]

    /// All-zero series (no database, or nothing recorded).
    init(window: Window) {
        self.window = window
        let zeros = Array(repeating: 0.0, count: window.points)
        requestsPerSecond = Array(repeating: zeros, count: 6)
        limitedPerSecond = zeros
        p99Milliseconds = zeros
        gatewayPeak = zeros
        gatewayOpenedPerMinute = zeros
    }

    /// Reads the window's series.
    init(window: Window, db: Database) throws {
        self.init(window: window)
        let step = Double(window.step)
        var histograms = Array(repeating: LatencyHistogram(), count: window.points)
        let rows = try Row.fetchCursor(db, sql: """
            SELECT minute, status_class, SUM(requests), SUM(rate_limited), SUM(latency_sum_ns), MAX(latency_max_ns),
                \(HistogramColumns.sums)
            FROM request_minutes WHERE minute >= ? AND minute < ? GROUP BY minute, status_class
            """, arguments: [window.start, window.end])
        while let row = try rows.next() {
            guard let index = window.index(ofMinute: row[0]) else { continue }
            let statusClass = max(0, min(5, row[1] as Int))
            requestsPerSecond[statusClass][index] += Double(row[2] as Int64) / step
            limitedPerSecond[index] += Double(row[3] as Int64) / step
            histograms[index].merge(HistogramColumns.histogram(row, at: 6, sumNanos: row[4], maxNanos: row[5]))
        }
        p99Milliseconds = histograms.map { Double($0.percentileNanos(0.99)) / 1e6 }
        let gateway = try Row.fetchCursor(db, sql: """
            SELECT minute, peak_active, opened FROM gateway_minutes WHERE minute >= ? AND minute < ?
            """, arguments: [window.start, window.end])
        while let row = try gateway.next() {
            guard let index = window.index(ofMinute: row[0]) else { continue }
            gatewayPeak[index] = max(gatewayPeak[index], Double(row[1] as Int64))
            gatewayOpenedPerMinute[index] += Double(row[2] as Int64) * 60 / step
        }
    }
}
