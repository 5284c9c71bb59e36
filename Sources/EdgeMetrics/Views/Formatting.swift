import Foundation

/// Number and time formatting shared by `/status`, the dashboard and `report` (never on the hot path).
enum Formatting {
    /// Nanoseconds as milliseconds with three decimals: `2500000` → `2.500`.
    static func milliseconds(_ nanos: Int64) -> String {
        String(format: "%.3f", Double(nanos) / 1e6)
    }

    /// A ratio with two decimals.
    static func decimal(_ value: Double, digits: Int = 2) -> String {
        String(format: "%.\(digits)f", value)
    }

    /// A fraction as a percentage with two decimals; `-` when the denominator is 0.
    static func percent(_ part: Int64, of whole: Int64) -> String {
        whole == 0 ? "-" : String(format: "%.2f%%", Double(part) * 100 / Double(whole))
    }

    /// Wall-clock ns since the epoch as an RFC 3339 UTC timestamp (`2026-11-29T06:00:00Z`).
    static func timestamp(nanos: Int64) -> String {
        timestamp(seconds: nanos / 1_000_000_000)
    }

    /// Seconds since the epoch as an RFC 3339 UTC timestamp.
    static func timestamp(seconds: Int64) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec)
        )
    }

    /// Seconds since the epoch as `HH:MM` UTC, for chart axes.
    static func clock(seconds: Int64) -> String {
        let stamp = timestamp(seconds: seconds)
        let start = stamp.index(stamp.startIndex, offsetBy: 11)
        return String(stamp[start..<stamp.index(start, offsetBy: 5)])
    }
}
