/// Text-to-value rules for config scalars that have no model type of their own.
///
/// Values are read from their text whatever YAML quoting was used, so `limit: "5"` is 5 and an environment
/// variable (always text) reads the same way as the file.
enum ConfigScalars {
    /// A decimal integer with an optional sign; `_` may separate digits (`1_000_000`).
    static func integer(_ text: String) -> Int? {
        var body = Substring(text)
        var negative = false
        if let sign = body.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        guard let first = body.first, let last = body.last, first.isASCII, first.isNumber, last.isASCII,
              last.isNumber, body.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "_" })
        else { return nil }
        guard let magnitude = Int(body.filter { $0 != "_" }) else { return nil }
        return negative ? -magnitude : magnitude
    }

    /// YAML's booleans: true/false, yes/no, on/off, in any case.
    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: return nil
        }
    }

    /// `65536`, `64k`, `8m`, `1g` (suffixes are powers of 1024, either case). nil on overflow or bad text.
    static func size(_ text: String) -> Int? {
        let multipliers: [Character: Int] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        var digits = Substring(text)
        var multiplier = 1
        if let last = text.last, let factor = multipliers[Character(last.lowercased())] {
            multiplier = factor
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.count <= 15, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let count = Int(digits)
        else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : bytes
    }

    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    /// A route name (ROUTE_NAME of the bucket string): letters, digits and `. _ - ~`, no `/` or spaces.
    static func isValidRuleName(_ name: String) -> Bool {
        !name.isEmpty && name.count <= 100 && name.allSatisfy { character in
            character.isASCII && (character.isLetter || character.isNumber || "._-~".contains(character))
        }
    }

    /// Why `template` is not a valid route path, or nil when it is. Valid: starts with `/`, parameters are
    /// whole segments `{name}` (letters, digits, `_`, not starting with a digit), each name once, braces
    /// balanced, no query string, fragment or whitespace.
    static func templateProblem(_ template: String) -> String? {
        guard template.hasPrefix("/") else { return "must start with '/'" }
        if template.contains("?") || template.contains("#") {
            return "must not contain a query string or fragment ('?', '#'); rules match the path only"
        }
        if template.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } == true }) {
            return "must not contain spaces or control characters"
        }
        var depth = 0
        for character in template {
            if character == "{" { depth += 1 } else if character == "}" { depth -= 1 }
            guard depth == 0 || depth == 1 else { return "has unbalanced braces" }
        }
        guard depth == 0 else { return "has unbalanced braces" }
        var names: Set<Substring> = []
        for segment in template.split(separator: "/") where segment.contains("{") || segment.contains("}") {
            guard segment.first == "{", segment.last == "}", segment.count >= 3 else {
                return "a parameter must be a whole segment like /{guild_id}/"
            }
            let name = segment.dropFirst().dropLast()
            guard isIdentifier(name) else {
                return "parameter '\(name)' must be a name of letters, digits and '_', not starting with a digit"
            }
            guard names.insert(name).inserted else { return "parameter '\(name)' appears twice" }
        }
        return nil
    }

    /// The template with every parameter name erased: `/guilds/{id}` and `/guilds/{guild_id}` match alike.
    static func templateShape(_ template: String) -> String {
        template.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix("{") ? "{}" : String($0) }
            .joined(separator: "/")
    }

    private static func isIdentifier(_ name: Substring) -> Bool {
        guard let first = name.first, first.isASCII, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }
    }

    /// Why `text` is not a valid rate-limit store, or nil: `memory`, or `redis://[[user]:password@]host:port[/db]`.
    static func storeProblem(_ text: String) -> String? {
        let expected = "expected memory or redis://host:port/db, e.g. redis://127.0.0.1:6379/0"
        if text == "memory" { return nil }
        guard text.hasPrefix("redis://") else { return expected }
        var rest = text.dropFirst("redis://".count)
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        var database: Substring = "0"
        if let slash = rest.firstIndex(of: "/") {
            database = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        guard let address = HostPort(parsing: String(rest)), address.port > 0 else {
            return expected + " (the host needs a port, 1-65535)"
        }
        guard !database.isEmpty, database.count <= 5, database.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            return expected + " (the database is a number)"
        }
        return nil
    }
}
