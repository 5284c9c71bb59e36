import NIOHTTP1

/// RFC 9110 section 7.6.1: connection-specific fields never cross a proxy. The `Connection` header's own
/// tokens name further fields to drop. `Transfer-Encoding` is removed because each side is re-framed by
/// the encoder (chunked or Content-Length) independently.
enum HopByHopHeaders {
    static let names: [String] = [
        "connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "trailer", "upgrade",
        "proxy-authorization", "proxy-authenticate",
    ]

    /// The field names a `Connection` field lists besides `close` and `keep-alive`, lowercased (usually none:
    /// then nothing is allocated).
    static func listedNames(in headers: HTTPHeaders) -> [String] {
        guard headers.contains(name: "connection") else { return [] }
        var listed: [String] = []
        for value in headers[canonicalForm: "connection"] {
            let token = value.lowercased()
            if token != "close", token != "keep-alive" { listed.append(token) }
        }
        return listed
    }

    /// Whether a field stops at this hop: hop-by-hop by name, or named by the `Connection` field (`listed`).
    @inline(__always)
    static func isDropped(_ name: String, listed: [String]) -> Bool {
        isHopByHop(name) || (!listed.isEmpty && listed.contains(where: { equalsIgnoringCase(name, $0) }))
    }

    /// Whether `name` is one of `names`, compared without case and without building a lowercased copy.
    @inline(__always)
    static func isHopByHop(_ name: String) -> Bool {
        // Cheap first-letter screen before the comparisons.
        guard let first = name.utf8.first else { return false }
        switch first | 0x20 {
        case UInt8(ascii: "c"), UInt8(ascii: "k"), UInt8(ascii: "p"), UInt8(ascii: "t"), UInt8(ascii: "u"):
            return names.contains { equalsIgnoringCase(name, $0) }
        default:
            return false
        }
    }

    /// ASCII case-insensitive equality with a lowercase `lower`.
    @inline(__always)
    static func equalsIgnoringCase(_ name: String, _ lower: String) -> Bool {
        guard name.utf8.count == lower.utf8.count else { return false }
        for (a, b) in zip(name.utf8, lower.utf8) {
            let folded = (a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z")) ? a | 0x20 : a
            if folded != b { return false }
        }
        return true
    }
}
