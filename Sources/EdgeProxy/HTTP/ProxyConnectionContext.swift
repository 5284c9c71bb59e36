import EdgeCore
import EdgeMetrics
import NIOCore
import NIOHTTP1

/// What the client connections of the REST listener share: limits, the admitter, the upstream pools.
/// Immutable: a config reload builds a new one (carrying over the connection counts and the registry) and
/// puts it in force through a `ContextSwitch`; each request uses the context in force at its head.
final class ProxyConnectionContext: Sendable {
    let admitter: any RequestAdmitter
    let pools: UpstreamPoolGroup
    let limits: EdgeConfig.Proxy
    let trustedProxies: [CIDR]
    private let resolver: ClientAddressResolver
    let readTimeout: TimeAmount
    let idleTimeout: TimeAmount
    let headerTimeout: TimeAmount
    /// Open client connections, per IP and in total.
    let connections: ConnectionLimiter
    /// Every open client channel, for the drain on shutdown.
    let channels: ChannelRegistry
    /// Wall-clock nanoseconds since the Unix epoch for rate-limit windows; injected by tests.
    let clock: @Sendable () -> Int64
    /// Shards and gauges; nil in tests that don't look at metrics.
    let telemetry: ProxyTelemetry?
    /// PROXY header and TLS before HTTP, for connections accepted while this context is in force.
    let preamble: ConnectionPreamble

    init(
        admitter: any RequestAdmitter, pools: UpstreamPoolGroup, limits: EdgeConfig.Proxy, trustedProxies: [CIDR],
        clock: @escaping @Sendable () -> Int64 = WallClock.nowNanoseconds, telemetry: ProxyTelemetry? = nil,
        preamble: ConnectionPreamble = ConnectionPreamble(), carryingOver previous: ProxyConnectionContext? = nil
    ) {
        self.clock = clock
        self.preamble = preamble
        self.telemetry = telemetry
        self.admitter = admitter
        self.pools = pools
        self.limits = limits
        self.trustedProxies = trustedProxies
        self.resolver = ClientAddressResolver(trustedProxies: trustedProxies)
        self.readTimeout = .nanoseconds(limits.readTimeout.nanoseconds)
        self.idleTimeout = .nanoseconds(limits.idleTimeout.nanoseconds)
        self.headerTimeout = .nanoseconds(limits.headerTimeout.nanoseconds)
        if let previous {
            connections = previous.connections
            connections.setLimits(maxPerIP: limits.maxConnectionsPerIP, maxTotal: limits.maxConnections)
            channels = previous.channels
        } else {
            connections = ConnectionLimiter(maxPerIP: limits.maxConnectionsPerIP, maxTotal: limits.maxConnections)
            channels = ChannelRegistry()
        }
    }

    func isTrusted(_ address: IPAddress) -> Bool {
        resolver.isTrusted(address)
    }
}
