import EdgeCore
import NIOCore

/// What the preamble of one listener counted: PROXY protocol headers and TLS handshakes.
public final class ListenerSecurityCounters: Sendable {
    public let proxyProtocol = ProxyProtocolCounters()
    public let tls = TLSHandshakeCounters()

    public init() {}

    /// Headers accepted (with a client address, or `LOCAL`/`UNKNOWN` keeping the peer).
    public var proxyProtocolAccepted: Int {
        proxyProtocol.proxied.load(ordering: .relaxed) + proxyProtocol.local.load(ordering: .relaxed)
    }

    /// Handshakes that did not complete, timeouts included.
    public var tlsFailed: Int {
        tls.failed.load(ordering: .relaxed) + tls.timedOut.load(ordering: .relaxed)
    }
}

/// The counters of the REST and gateway listeners. Created with the proxy and carried through every reload,
/// so `/status` and `/metrics` count from the start whatever the config in force.
public struct ListenerCounters: Sendable {
    public let rest = ListenerSecurityCounters()
    public let gateway = ListenerSecurityCounters()

    public init() {}

    private var listeners: [(name: String, counters: ListenerSecurityCounters)] {
        [("rest", rest), ("gateway", gateway)]
    }

    /// `key: value` lines for `/status`, six per listener (docs/metrics-endpoints.md).
    func statusLines() -> String {
        listeners.map { name, counters in
            let proxy = counters.proxyProtocol
            let tls = counters.tls
            return """
                \(name)_proxy_protocol_accepted: \(counters.proxyProtocolAccepted)
                \(name)_proxy_protocol_direct: \(proxy.direct.load(ordering: .relaxed))
                \(name)_proxy_protocol_rejected: \(proxy.rejected)
                \(name)_tls_handshakes: \(tls.completed.load(ordering: .relaxed))
                \(name)_tls_handshakes_failed: \(counters.tlsFailed)
                \(name)_tls_handshake_timeouts: \(tls.timedOut.load(ordering: .relaxed))

                """
        }.joined()
    }

    /// The same figures in Prometheus text format, labelled by listener.
    func prometheusText() -> String {
        var proxy = """
            # HELP ayaka_edge_proxy_protocol_connections_total Connections by PROXY protocol outcome.
            # TYPE ayaka_edge_proxy_protocol_connections_total counter

            """
        var tls = """
            # HELP ayaka_edge_tls_handshakes_total TLS handshakes by outcome.
            # TYPE ayaka_edge_tls_handshakes_total counter

            """
        for (name, counters) in listeners {
            let headers = counters.proxyProtocol
            for (result, value) in [("accepted", counters.proxyProtocolAccepted),
                                    ("direct", headers.direct.load(ordering: .relaxed)),
                                    ("rejected", headers.rejected)] {
                proxy += "ayaka_edge_proxy_protocol_connections_total{listener=\"\(name)\",result=\"\(result)\"} \(value)\n"
            }
            for (result, value) in [("ok", counters.tls.completed.load(ordering: .relaxed)),
                                    ("failed", counters.tls.failed.load(ordering: .relaxed)),
                                    ("timed_out", counters.tls.timedOut.load(ordering: .relaxed))] {
                tls += "ayaka_edge_tls_handshakes_total{listener=\"\(name)\",result=\"\(result)\"} \(value)\n"
            }
        }
        return proxy + tls
    }
}

/// The REST and gateway listeners' preambles from a config: PROXY protocol settings (`listen.proxy_protocol`,
/// `client_ip.trusted_proxies`, `proxy.header_timeout`) and TLS contexts (`listen.tls`, read from the files
/// now, so a bad file fails here before anything is put in force).
struct ListenerPreambles: Sendable {
    let rest: ConnectionPreamble
    let gateway: ConnectionPreamble

    init(config: EdgeConfig, counters: ListenerCounters) throws(TLSConfigurationError) {
        let listen = config.listen
        rest = try Self.preamble(proxyProtocol: listen.proxyProtocol.rest, tls: listen.tls.rest, config: config,
                                 counters: counters.rest)
        gateway = try Self.preamble(proxyProtocol: listen.proxyProtocol.gateway, tls: listen.tls.gateway,
                                    config: config, counters: counters.gateway)
    }

    private static func preamble(
        proxyProtocol: Bool, tls: EdgeConfig.TLSFiles?, config: EdgeConfig, counters: ListenerSecurityCounters
    ) throws(TLSConfigurationError) -> ConnectionPreamble {
        ConnectionPreamble(
            proxyProtocol: ProxyProtocolSettings(enabled: proxyProtocol, config: config,
                                                 counters: counters.proxyProtocol),
            tls: try tls.map { files throws(TLSConfigurationError) in try TLSContextProvider(files: files) },
            tlsHandshakeTimeout: .nanoseconds(config.listen.tlsHandshakeTimeout.nanoseconds),
            tlsCounters: counters.tls
        )
    }
}
