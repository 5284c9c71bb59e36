/// Requests-per-client-per-window histograms since the proxy started, by rule name and window length, for
/// `/status` and the dashboard (in memory; the database keeps them per hour).
public struct TuningTotals: Sendable, Equatable {
    /// Rule name (`GLOBAL`, `default`, route names) → window seconds → histogram of closed windows.
    public var histograms: [String: [Int64: CountHistogram]] = [:]
    /// (client, rule) entries recycled by the recorders' LRU cap (no count lost).
    public var evictions: Int64 = 0
    /// Requests not counted because a recorder's outbox overflowed between two flushes.
    public var dropped: Int64 = 0
    /// Windows binned before they closed because too many were open at once.
    public var forcedCloses: Int64 = 0

    public init() {}

    mutating func apply(_ rows: TuningRows, windows: WindowSnapshot, forcedCloses: Int64, labels: MetricsLabels) {
        for (key, histogram) in rows.histograms {
            let name = TuningWriter.ruleName(key.rule, labels: labels)
            histograms[name, default: [:]][key.windowSeconds, default: CountHistogram()].merge(histogram)
        }
        evictions += windows.evictions
        dropped += windows.dropped
        self.forcedCloses = forcedCloses
    }

    /// One line per (rule, window length), rules by name then windows by length.
    public var lines: [(rule: String, windowSeconds: Int64, histogram: CountHistogram)] {
        histograms.sorted { $0.key < $1.key }.flatMap { rule, windows in
            windows.sorted { $0.key < $1.key }.map { (rule, $0.key, $0.value) }
        }
    }
}

/// Window lengths in seconds as config durations: `1s`, `10s`, `1m`, `10m`, `1h`, `1d`, `90s`.
public enum WindowText {
    public static func text(seconds: Int64) -> String {
        if seconds > 0, seconds % 86_400 == 0 { return "\(seconds / 86_400)d" }
        if seconds > 0, seconds % 3_600 == 0 { return "\(seconds / 3_600)h" }
        if seconds > 0, seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}
