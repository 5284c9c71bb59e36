import EdgeCore
import EdgeMetrics
import NIOCore
import Synchronization

/// What every gateway connection shares: upstreams, limits, the per-IP counter, live sessions.
final class GatewayContext: Sendable {
    let upstreams: [UpstreamURL]
    let resolver: ClientAddressResolver
    let connections: ConnectionLimiter
    /// Open relayed sessions, per event loop; shutdown sends each 1001.
    let sessions: GatewaySessions
    let limits: GatewayRelayStateMachine.Limits
    let connectTimeout: TimeAmount
    let handshakeTimeout: TimeAmount
    /// `gateway.public_url`; nil: `ws://` (`wss://` with TLS) + the listener's own address.
    let publicURL: String?
    let listenHost: String
    let clock: @Sendable () -> Int64
    let telemetry: ProxyTelemetry?
    /// PROXY header and TLS before HTTP, for connections accepted while this context is in force.
    let preamble: ConnectionPreamble
    private let nextUpstream = Atomic<Int>(0)

    /// A reload carries over `previous`'s open-connection counts and sessions: existing sessions keep
    /// running; the new limits apply to new connections.
    init(config: EdgeConfig, telemetry: ProxyTelemetry? = nil,
         clock: @escaping @Sendable () -> Int64 = WallClock.nowNanoseconds, preamble: ConnectionPreamble = ConnectionPreamble(),
         carryingOver previous: GatewayContext? = nil) {
        self.telemetry = telemetry
        self.preamble = preamble
        if let previous {
            connections = previous.connections
            connections.setLimits(maxPerIP: config.gateway.maxConnectionsPerIP)
            sessions = previous.sessions
        } else {
            connections = ConnectionLimiter(maxPerIP: config.gateway.maxConnectionsPerIP)
            sessions = GatewaySessions()
        }
        upstreams = config.upstreams.gateway
        resolver = ClientAddressResolver(trustedProxies: config.clientIP.trustedProxies)
        limits = GatewayRelayStateMachine.Limits(
            messageLimit: config.gateway.messages.limit,
            messageWindowNanos: config.gateway.messages.per.nanoseconds,
            maxMessageSize: config.gateway.maxMessageSize,
            pingWindowNanos: config.gateway.pingInterval.nanoseconds + config.gateway.pingTimeout.nanoseconds
        )
        connectTimeout = .nanoseconds(config.proxy.connectTimeout.nanoseconds)
        handshakeTimeout = .nanoseconds(config.proxy.readTimeout.nanoseconds)
        publicURL = config.gateway.publicURL
        listenHost = config.listen.gateway.host
        self.clock = clock
    }

    /// Round robin start index for the next upgrade.
    func takeUpstreamIndex() -> Int {
        nextUpstream.add(1, ordering: .relaxed).oldValue
    }
}
