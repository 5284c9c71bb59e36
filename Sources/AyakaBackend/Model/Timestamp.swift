import Foundation

/// ISO 8601 timestamps for `joined_at` and `created_at` (UTC, millisecond precision).
enum Timestamp {
    static func now() -> String {
        Date.now.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
