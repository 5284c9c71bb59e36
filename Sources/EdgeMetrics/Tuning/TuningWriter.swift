import GRDB

/// Adds binned windows to `window_histograms` and `window_peaks` (inside the pipeline's flush transaction).
enum TuningWriter {
    static let histogramSQL = """
        INSERT INTO window_histograms (hour, route, window_seconds, bin_low, bin_high, pairs, requests)
        VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (hour, route, window_seconds, bin_low) DO UPDATE SET
            pairs = pairs + excluded.pairs, requests = requests + excluded.requests
        """

    static let peakSQL = """
        INSERT INTO window_peaks (hour, route, window_seconds, max_count) VALUES (?, ?, ?, ?)
        ON CONFLICT (hour, route, window_seconds) DO UPDATE SET max_count = MAX(max_count, excluded.max_count)
        """

    /// The stored name of a rule id: `GLOBAL` for the global rule, else the route's name.
    static func ruleName(_ rule: Int, labels: MetricsLabels) -> String {
        rule == WindowRecorder.globalRule ? "GLOBAL" : labels.route(rule)
    }

    static func write(_ rows: TuningRows, labels: MetricsLabels, into db: Database) throws {
        guard !rows.isEmpty else { return }
        let histogram = try db.cachedStatement(sql: histogramSQL)
        let peak = try db.cachedStatement(sql: peakSQL)
        for (key, counts) in rows.histograms {
            let route = ruleName(key.rule, labels: labels)
            for bin in 0..<CountBins.count where counts.pairs[bin] > 0 {
                try histogram.execute(arguments: [
                    key.hour, route, key.windowSeconds, CountBins.lower(bin), CountBins.upper(bin),
                    counts.pairs[bin], counts.requests[bin],
                ])
            }
            try peak.execute(arguments: [key.hour, route, key.windowSeconds, counts.maxCount])
        }
    }

    /// Deletes hours that ended before `second` (exclusive).
    static func prune(before second: Int64, in db: Database) throws {
        for table in ["window_histograms", "window_peaks"] {
            try db.execute(sql: "DELETE FROM \(table) WHERE hour + 3600 <= ?", arguments: [second])
        }
    }
}
