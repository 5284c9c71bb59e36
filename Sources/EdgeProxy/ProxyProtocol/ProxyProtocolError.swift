/// Why a connection on a PROXY-protocol listener was closed before any HTTP byte was read.
enum ProxyProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A trusted peer (which must send a header) sent something else first.
    case missingHeader
    /// A peer outside `client_ip.trusted_proxies` sent a PROXY header: it could forge any client address.
    case untrustedPeer
    /// A v1 line without CRLF within 107 bytes, or a v2 header longer than the configured bound.
    case tooLong
    /// A v2 signature followed by a version other than 2.
    case unsupportedVersion(UInt8)
    /// A header whose fields do not follow the spec.
    case malformed(String)
    /// The header did not arrive within the listener's timeout.
    case timedOut

    var description: String {
        switch self {
        case .missingHeader: "no PROXY protocol header from a trusted load balancer"
        case .untrustedPeer: "PROXY protocol header from a peer outside client_ip.trusted_proxies"
        case .tooLong: "PROXY protocol header too long"
        case .unsupportedVersion(let version): "unsupported PROXY protocol version \(version)"
        case .malformed(let why): "malformed PROXY protocol header: \(why)"
        case .timedOut: "PROXY protocol header did not arrive in time"
        }
    }
}
