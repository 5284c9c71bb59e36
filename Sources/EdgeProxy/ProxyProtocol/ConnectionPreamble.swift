import EdgeCore
import NIOCore
import NIOSSL

/// What a listener does with a new connection before its protocol handlers: read a PROXY protocol header
/// (when `listen.proxy_protocol.<listener>` is on), then terminate TLS (when `listen.tls.<listener>` is set).
///
/// Wire order is PROXY header (clear text) → TLS records → HTTP, so the pipeline is
/// `[ProxyProtocolDecoder] → [NIOSSLServerHandler] → <installed by the listener>`. The listener's own
/// handlers are installed by `install`, called with the connection's `ConnectionOrigin`: at once when there
/// is no PROXY header to wait for, else as soon as the header is read (before any of its data is passed on).
/// So connection caps, client-IP resolution and logs all see the real client.
struct ConnectionPreamble: Sendable {
    /// PROXY protocol settings; nil: the listener reads no header and the socket peer is the client.
    var proxyProtocol: ProxyProtocolSettings?
    /// The listener's TLS contexts; nil: plaintext.
    var tls: TLSContextProvider?
    /// How long a TLS handshake may take from the connection's opening (the PROXY header included).
    var tlsHandshakeTimeout: TimeAmount
    /// Shared by the listener's connections; nil counts nothing.
    var tlsCounters: TLSHandshakeCounters?

    init(
        proxyProtocol: ProxyProtocolSettings? = nil, tls: TLSContextProvider? = nil,
        tlsHandshakeTimeout: TimeAmount = .seconds(10), tlsCounters: TLSHandshakeCounters? = nil
    ) {
        self.proxyProtocol = proxyProtocol
        self.tls = tls
        self.tlsHandshakeTimeout = tlsHandshakeTimeout
        self.tlsCounters = tlsCounters
    }

    /// The scheme clients use: `https` with TLS, `http` without (`X-Forwarded-Proto`).
    var httpScheme: String { tls == nil ? "http" : "https" }

    /// Adds the preamble's handlers to a new child channel, then `install`s the rest through the origin.
    /// Call from the `childChannelInitializer`, on the channel's loop.
    func configure(channel: any Channel, install: @escaping (ConnectionOrigin) throws -> Void) throws {
        let sync = channel.pipeline.syncOperations
        guard let proxyProtocol else {
            if let tls { try addTLS(tls, to: sync, position: .first) }
            try install(ConnectionOrigin(peer: channel.remoteAddress, proxyHeader: nil))
            return
        }
        let peerTrusted = channel.remoteAddress?.ipAddress.map(proxyProtocol.trusts) ?? false
        let decoder = ByteToMessageHandler(ProxyProtocolDecoder(
            peerTrusted: peerTrusted, timeout: proxyProtocol.timeout,
            maximumV2Length: proxyProtocol.maximumV2Length, counters: proxyProtocol.counters, onOrigin: install
        ))
        try sync.addHandler(decoder, position: .first)
        if let tls { try addTLS(tls, to: sync, position: .after(decoder)) }
    }

    private func addTLS(
        _ tls: TLSContextProvider, to sync: ChannelPipeline.SynchronousOperations,
        position: ChannelPipeline.SynchronousOperations.Position
    ) throws {
        try sync.addTLSServerHandler(tls.context, handshakeTimeout: tlsHandshakeTimeout, counters: tlsCounters,
                                     position: position)
    }
}

/// A listener's PROXY protocol settings.
struct ProxyProtocolSettings: Sendable {
    /// Peers allowed (and then required) to send a header: `client_ip.trusted_proxies`.
    var trustedProxies: [CIDR]
    /// How long a connection may take to send its header (or, from an untrusted peer, its first bytes).
    var timeout: TimeAmount
    /// Largest v2 header accepted, TLVs included.
    var maximumV2Length = 2048
    /// Shared by the listener's connections; nil counts nothing.
    var counters: ProxyProtocolCounters?

    init(trustedProxies: [CIDR], timeout: TimeAmount, maximumV2Length: Int = 2048,
         counters: ProxyProtocolCounters? = nil) {
        self.trustedProxies = trustedProxies
        self.timeout = timeout
        self.maximumV2Length = maximumV2Length
        self.counters = counters
    }

    /// The settings of one listener from the config: nil when its `listen.proxy_protocol` flag is off. The
    /// header must arrive within `proxy.header_timeout`, like a request head.
    init?(enabled: Bool, config: EdgeConfig, counters: ProxyProtocolCounters? = nil) {
        guard enabled else { return nil }
        self.init(trustedProxies: config.clientIP.trustedProxies,
                  timeout: .nanoseconds(config.proxy.headerTimeout.nanoseconds), counters: counters)
    }

    func trusts(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }
}
