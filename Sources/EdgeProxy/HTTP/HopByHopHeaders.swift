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
        isDropped(name.utf8, listed: listed)
    }

    /// `isDropped` for a name's bytes: a String's, or a field name as received (heads relayed as bytes,
    /// `ClientResponseWriter.relayedHead`).
    @inline(__always)
    static func isDropped<Name: Collection<UInt8>>(_ name: Name, listed: [String]) -> Bool {
        isHopByHop(name) || (!listed.isEmpty && listed.contains { HTTPWire.equalsIgnoringCase(name, lowercase: $0.utf8) })
    }

    /// Whether `name` is one of `names`, compared without case and without building a lowercased copy.
    @inline(__always)
    static func isHopByHop<Name: Collection<UInt8>>(_ name: Name) -> Bool {
        // Cheap first-letter screen before the comparisons.
        guard let first = name.first else { return false }
        switch first | 0x20 {
        case UInt8(ascii: "c"), UInt8(ascii: "k"), UInt8(ascii: "p"), UInt8(ascii: "t"), UInt8(ascii: "u"):
            return names.contains { HTTPWire.equalsIgnoringCase(name, lowercase: $0.utf8) }
        default:
            return false
        }
    }

    /// ASCII case-insensitive equality with a lowercase `lower`.
    @inline(__always)
    static func equalsIgnoringCase(_ name: String, _ lower: String) -> Bool {
        HTTPWire.equalsIgnoringCase(name.utf8, lowercase: lower.utf8)
    }
}
