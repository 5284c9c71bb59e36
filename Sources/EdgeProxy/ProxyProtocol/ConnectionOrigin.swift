import EdgeCore
import NIOCore

/// Where a client connection comes from, once its preamble (PROXY header, if the listener reads one) is done.
///
/// The listener's pipeline is installed with this value, so every later handler uses `client` instead of
/// `channel.remoteAddress`: behind an L4 load balancer the socket peer is the balancer, not the client.
struct ConnectionOrigin: Sendable, Equatable {
    /// The TCP peer of the socket (the load balancer when a PROXY header was read).
    var peer: SocketAddress?
    /// The PROXY header, when the listener reads them and the peer sent one.
    var proxyHeader: ProxyHeader?

    /// The client's IP: the header's source when it has one, else the socket peer; nil for a Unix socket.
    var client: IPAddress? {
        proxyHeader?.source?.address ?? peer?.ipAddress
    }

    /// Whether `client` came from a PROXY header (and not from the socket).
    var isFromProxyHeader: Bool { proxyHeader?.source != nil }
}

/// Fired through the pipeline when a PROXY header was accepted, before any byte of the connection's data,
/// for handlers that were added before the preamble finished and want the client address.
struct ProxyProtocolHeaderReceived: Sendable, Equatable {
    var origin: ConnectionOrigin
}
