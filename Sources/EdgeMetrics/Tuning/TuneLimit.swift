/// A candidate limit of `ayaka-edge tune`: `N/WINDOW`, N requests per aligned window of WINDOW
/// (`5/1m`, `100/10s`, `20/m`: a bare unit means 1 of it).
public struct TuneLimit: Sendable, Hashable, CustomStringConvertible {
    public var limit: Int64
    public var windowSeconds: Int64

    public init(limit: Int64, windowSeconds: Int64) {
        self.limit = limit
        self.windowSeconds = windowSeconds
    }

    /// Why a `--limit` could not be read.
    public struct Invalid: Error, CustomStringConvertible {
        public let text: String
        public var description: String {
            "malformed limit '\(text)': expected N/WINDOW with N ≥ 1 and WINDOW <integer><unit> (unit s, m, h "
                + "or d), e.g. 5/1m or 100/10s"
        }
    }

    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let limit = Int64(parts[0]), limit >= 1, limit <= 1_000_000_000,
              let seconds = Self.seconds(parts[1])
        else { throw Invalid(text: text) }
        self.init(limit: limit, windowSeconds: seconds)
    }

    /// `<integer><unit>` or a bare unit, in seconds.
    static func seconds(_ text: Substring) -> Int64? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let count: Int64
        if digits.isEmpty {
            count = 1
        } else {
            guard digits.count <= 9, let value = Int64(digits), value > 0 else { return nil }
            count = value
        }
        switch text.dropFirst(digits.count) {
        case "s": return count
        case "m": return count * 60
        case "h": return count * 3_600
        case "d": return count * 86_400
        default: return nil
        }
    }

    public var window: String { WindowText.text(seconds: windowSeconds) }
    public var description: String { "\(limit)/\(window)" }
}

/// `--max-affected`: a share written `0.1%` or as a fraction `0.001`.
public enum TuneShare {
    public struct Invalid: Error, CustomStringConvertible {
        public let text: String
        public var description: String {
            "invalid --max-affected '\(text)': expected a share such as 0.1% or 0.001 (between 0 and 100%)"
        }
    }

    public static func parse(_ text: String) throws -> Double {
        let isPercent = text.hasSuffix("%")
        guard let value = Double(isPercent ? String(text.dropLast()) : text), value.isFinite, value >= 0 else {
            throw Invalid(text: text)
        }
        let share = isPercent ? value / 100 : value
        guard share <= 1 else { throw Invalid(text: text) }
        return share
    }
}
