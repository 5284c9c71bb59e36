/// A duration as written in the config: `<integer><unit>`, unit `s`, `m`, `h` or `d` (and `ms` for timeouts).
///
/// The unit is kept because the rate-limit bucket name renders it: `per: 10s` → `10/second`,
/// `per: 1m` → `1/minute` (CONTRACT section 3).
public struct ConfigDuration: Hashable, Sendable, CustomStringConvertible {
    public enum Unit: String, Sendable, CaseIterable {
        case milliseconds = "ms"
        case seconds = "s"
        case minutes = "m"
        case hours = "h"
        case days = "d"

        public var nanoseconds: Int64 {
            switch self {
            case .milliseconds: return 1_000_000
            case .seconds: return 1_000_000_000
            case .minutes: return 60_000_000_000
            case .hours: return 3_600_000_000_000
            case .days: return 86_400_000_000_000
            }
        }

        /// The word used in `X-RateLimit-Bucket`; milliseconds never appear there (rules use s/m/h/d).
        public var bucketWord: String {
            switch self {
            case .milliseconds: return "millisecond"
            case .seconds: return "second"
            case .minutes: return "minute"
            case .hours: return "hour"
            case .days: return "day"
            }
        }
    }

    public let count: Int64
    public let unit: Unit

    public init(_ count: Int64, _ unit: Unit) {
        self.count = count
        self.unit = unit
    }

    public static func seconds(_ n: Int64) -> ConfigDuration { ConfigDuration(n, .seconds) }
    public static func minutes(_ n: Int64) -> ConfigDuration { ConfigDuration(n, .minutes) }
    public static func hours(_ n: Int64) -> ConfigDuration { ConfigDuration(n, .hours) }
    public static func days(_ n: Int64) -> ConfigDuration { ConfigDuration(n, .days) }
    public static func milliseconds(_ n: Int64) -> ConfigDuration { ConfigDuration(n, .milliseconds) }

    /// Parses `10s`, `1m`, `250ms`, `7d`. No sign, no spaces, no fractions; nil otherwise, and nil when the
    /// duration does not fit in `Int64` nanoseconds (about 292 years), so `nanoseconds` never overflows.
    public init?(parsing text: String) {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 12, let count = Int64(digits),
              let unit = Unit(rawValue: String(text.dropFirst(digits.count))),
              !count.multipliedReportingOverflow(by: unit.nanoseconds).overflow
        else { return nil }
        self.init(count, unit)
    }

    public var nanoseconds: Int64 { count * unit.nanoseconds }
    public var seconds: Double { Double(nanoseconds) / 1e9 }
    public var duration: Duration { .nanoseconds(nanoseconds) }
    public var description: String { "\(count)\(unit.rawValue)" }
}
