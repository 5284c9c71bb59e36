import EdgeCore
import NIOCore
import Synchronization

/// What every gateway connection shares: upstreams, limits, the per-IP counter, live sessions.
final class GatewayContext: Sendable {
    let upstreams: [UpstreamURL]
    let resolver: ClientAddressResolver
    let connections: ConnectionLimiter
    let sessions = GatewaySessions()
    let limits: GatewayRelayStateMachine.Limits
    let connectTimeout: TimeAmount
    let handshakeTimeout: TimeAmount
    /// `gateway.public_url`; nil: `ws://` + the listener's own address.
    let publicURL: String?
    let listenHost: String
    let clock: @Sendable () -> Int64
    private let nextUpstream = Atomic<Int>(0)

    init(config: EdgeConfig, clock: @escaping @Sendable () -> Int64 = WallClock.nowNanoseconds) {
        upstreams = config.upstreams.gateway
        resolver = ClientAddressResolver(trustedProxies: config.clientIP.trustedProxies)
        connections = ConnectionLimiter(maxPerIP: config.gateway.maxConnectionsPerIP)
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

/// Open relayed gateway connections, so shutdown can send each client 1001 `Going away`.
final class GatewaySessions: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    func add(_ channel: any Channel) {
        channels.withLock { $0[ObjectIdentifier(channel)] = channel }
    }

    func remove(_ channel: any Channel) {
        _ = channels.withLock { $0.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    var count: Int { channels.withLock { $0.count } }

    /// Asks every open session to close with 1001.
    func goAway() {
        for channel in channels.withLock({ Array($0.values) }) {
            channel.pipeline.fireUserInboundEventTriggered(GatewayGoingAway())
        }
    }
}
