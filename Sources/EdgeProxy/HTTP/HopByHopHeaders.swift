import NIOHTTP1

/// RFC 9110 section 7.6.1: connection-specific fields never cross a proxy. The `Connection` header's own
/// tokens name further fields to drop. `Transfer-Encoding` is removed because each side is re-framed by
/// the encoder (chunked or Content-Length) independently.
enum HopByHopHeaders {
    static let names: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "trailer", "upgrade",
        "proxy-authorization", "proxy-authenticate",
    ]

    /// Removes hop-by-hop fields, including those listed in `Connection`.
    static func strip(_ headers: inout HTTPHeaders) {
        var listed: [String] = []
        for value in headers[canonicalForm: "connection"] {
            let token = value.lowercased()
            if token != "close", token != "keep-alive" { listed.append(token) }
        }
        var doomed = false
        for (name, _) in headers where isHopByHop(name) {
            doomed = true
            break
        }
        if !doomed, listed.isEmpty { return }
        for name in names { headers.remove(name: name) }
        for name in listed { headers.remove(name: name) }
    }

    @inline(__always)
    private static func isHopByHop(_ name: String) -> Bool {
        // Cheap first-letter screen before the case-insensitive comparison.
        guard let first = name.utf8.first else { return false }
        switch first | 0x20 {
        case UInt8(ascii: "c"), UInt8(ascii: "k"), UInt8(ascii: "p"), UInt8(ascii: "t"), UInt8(ascii: "u"):
            return names.contains(name.lowercased())
        default:
            return false
        }
    }
}
