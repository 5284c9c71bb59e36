import EdgeCore
import NIOCore
import NIOHTTP1

/// What every client connection of the REST listener shares: limits, the admitter, the upstream pools.
/// Immutable; a config reload builds a new one for new connections.
final class ProxyConnectionContext: Sendable {
    let admitter: any RequestAdmitter
    let pools: UpstreamPoolGroup
    let limits: EdgeConfig.Proxy
    let trustedProxies: [CIDR]
    let readTimeout: TimeAmount
    let idleTimeout: TimeAmount
    let headerTimeout: TimeAmount
    /// Open client connections, per IP and in total.
    let connections: ConnectionLimiter
    /// Wall-clock nanoseconds since the Unix epoch for rate-limit windows; injected by tests.
    let clock: @Sendable () -> Int64

    init(
        admitter: any RequestAdmitter, pools: UpstreamPoolGroup, limits: EdgeConfig.Proxy, trustedProxies: [CIDR],
        clock: @escaping @Sendable () -> Int64 = WallClock.nowNanoseconds
    ) {
        self.clock = clock
        self.admitter = admitter
        self.pools = pools
        self.limits = limits
        self.trustedProxies = trustedProxies
        self.readTimeout = .nanoseconds(limits.readTimeout.nanoseconds)
        self.idleTimeout = .nanoseconds(limits.idleTimeout.nanoseconds)
        self.headerTimeout = .nanoseconds(limits.headerTimeout.nanoseconds)
        self.connections = ConnectionLimiter(maxPerIP: limits.maxConnectionsPerIP, maxTotal: limits.maxConnections)
    }

    func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }
}
