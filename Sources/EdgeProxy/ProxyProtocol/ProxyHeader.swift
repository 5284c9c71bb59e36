import EdgeCore

/// What a PROXY protocol header (HAProxy's `proxy-protocol.txt`, versions 1 and 2) said about a connection.
///
/// `source` is the original client as the load balancer saw it. It is nil when the header carries no usable
/// address (v1 `UNKNOWN`, v2 `LOCAL`, an unspecified or Unix-socket family): the spec then asks the receiver
/// to keep the socket's own peer, which is what `ConnectionOrigin.client` does.
struct ProxyHeader: Sendable, Equatable {
    enum Version: Sendable, Equatable {
        case v1
        case v2
    }

    var version: Version
    /// The original client; nil means "use the socket peer".
    var source: ProxyEndpoint?
    /// The address the client connected to (the load balancer's front end); nil with `source`.
    var destination: ProxyEndpoint?
    /// v2 type-length-value extensions (`PP2_TYPE_AUTHORITY`, AWS VPC endpoint ids, ...), in order; never
    /// interpreted by the proxy. v1 has none.
    var tlvs: [ProxyTLV] = []
}

/// An address and TCP port from a PROXY header.
struct ProxyEndpoint: Sendable, Equatable, CustomStringConvertible {
    var address: IPAddress
    var port: UInt16

    var description: String {
        address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)"
    }
}

/// One v2 TLV: a type byte and its value bytes.
struct ProxyTLV: Sendable, Equatable {
    var type: UInt8
    var value: [UInt8]

    /// `PP2_TYPE_AUTHORITY`: the host name the client asked for (SNI), UTF-8.
    static let authority: UInt8 = 0x02
    /// `PP2_TYPE_UNIQUE_ID`: an opaque connection id from the load balancer.
    static let uniqueID: UInt8 = 0x05
}
