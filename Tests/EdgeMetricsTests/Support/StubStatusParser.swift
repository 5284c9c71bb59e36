/// A strict parser of nginx `stub_status` output, written to `ngx_http_stub_status_module.c`'s format:
///
/// ```
/// "Active connections: %uA \n"
/// "server accepts handled requests\n"
/// " %uA %uA %uA \n"
/// "Reading: %uA Writing: %uA Waiting: %uA \n"
/// ```
/// Any other spacing (a missing trailing space, a tab, a sign) is refused.
struct StubStatus: Equatable {
    var active: Int
    var accepts: Int
    var handled: Int
    var requests: Int
    var reading: Int
    var writing: Int
    var waiting: Int

    /// Parses the first four lines of `text`; nil when they don't follow the format exactly.
    static func parse(_ text: String) -> StubStatus? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 5 else { return nil }
        var scanner = Scanner(Substring(lines[0]))
        guard scanner.literal("Active connections: "), let active = scanner.number(), scanner.literal(" "),
              scanner.atEnd else { return nil }
        guard lines[1] == "server accepts handled requests" else { return nil }
        scanner = Scanner(Substring(lines[2]))
        guard scanner.literal(" "), let accepts = scanner.number(), scanner.literal(" "),
              let handled = scanner.number(), scanner.literal(" "), let requests = scanner.number(),
              scanner.literal(" "), scanner.atEnd else { return nil }
        scanner = Scanner(Substring(lines[3]))
        guard scanner.literal("Reading: "), let reading = scanner.number(), scanner.literal(" Writing: "),
              let writing = scanner.number(), scanner.literal(" Waiting: "), let waiting = scanner.number(),
              scanner.literal(" "), scanner.atEnd else { return nil }
        return StubStatus(
            active: active, accepts: accepts, handled: handled, requests: requests, reading: reading,
            writing: writing, waiting: waiting
        )
    }

    private struct Scanner {
        var rest: Substring
        init(_ text: Substring) { rest = text }

        mutating func literal(_ text: String) -> Bool {
            guard rest.hasPrefix(text) else { return false }
            rest = rest.dropFirst(text.count)
            return true
        }

        mutating func number() -> Int? {
            let digits = rest.prefix { $0 >= "0" && $0 <= "9" }
            guard !digits.isEmpty, let value = Int(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            return value
        }

        var atEnd: Bool { rest.isEmpty }
    }
}
