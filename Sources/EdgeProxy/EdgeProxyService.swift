import EdgeCore
import EdgeRedis
import Foundation
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Where the proxy's listeners ended up (the real ports when 0 was configured).
public struct ProxyAddresses: Sendable {
    public var restPort: Int
    public var gatewayPort: Int
}

/// The proxy as a service: binds the listeners from the config, serves until graceful shutdown, then
/// stops accepting and closes idle upstream connections.
public struct EdgeProxyService: Service {
    private let config: EdgeConfig
    private let logger: Logger
    private let group: any EventLoopGroup
    private let onReady: @Sendable (ProxyAddresses) async -> Void
    private let telemetry: ProxyTelemetry?

    /// - Parameter telemetry: where connections record (shared with the flusher and the admin server);
    ///   nil records nothing.
    public init(
        config: EdgeConfig, logger: Logger, telemetry: ProxyTelemetry? = nil,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onReady: @escaping @Sendable (ProxyAddresses) async -> Void = { _ in }
    ) {
        self.telemetry = telemetry
        self.config = config
        self.logger = logger
        self.group = group
        self.onReady = onReady
    }

    public func run() async throws {
        // `store: redis://…` shares buckets across a fleet; its `local` fallback is the limiter's own store.
        let fleet = try FleetRateLimitStore.make(
            rules: config.rateLimits, eventLoopGroup: group, environment: ProcessInfo.processInfo.environment
        )
        let limiter = fleet.map { RateLimiter(rules: config.rateLimits, store: $0.localStore) }
            ?? RateLimiter(rules: config.rateLimits)
        let resolver = ClientAddressResolver(trustedProxies: config.clientIP.trustedProxies)
        let admitter = RateLimitAdmitter(limiter: limiter, resolver: resolver, fleet: fleet)
        let pools = UpstreamPoolGroup(
            group: group, servers: config.upstreams.rest, proxy: config.proxy, shards: telemetry?.shards
        )
        let shared = ProxyConnectionContext(
            admitter: admitter, pools: pools, limits: config.proxy, trustedProxies: config.clientIP.trustedProxies,
            telemetry: telemetry
        )
        let rest = try await RESTListener(address: config.listen.rest, group: group, shared: shared, logger: logger).bind()
        let restPort = rest.localAddress?.port ?? config.listen.rest.port
        logger.info("REST proxy listening", metadata: [
            "address": "\(config.listen.rest.host):\(restPort)",
            "upstreams": "\(config.upstreams.rest.map(\.description).joined(separator: ","))",
        ])
        let gatewayShared = GatewayContext(config: config, telemetry: telemetry)
        let gateway = try await GatewayListener(
            address: config.listen.gateway, group: group, shared: gatewayShared, headerLimit: config.proxy.maxHeaderSize
        ).bind()
        let gatewayPort = gateway.localAddress?.port ?? config.listen.gateway.port
        logger.info("gateway proxy listening", metadata: [
            "address": "\(config.listen.gateway.host):\(gatewayPort)",
            "upstreams": "\(config.upstreams.gateway.map(\.description).joined(separator: ","))",
        ])
        await onReady(ProxyAddresses(restPort: restPort, gatewayPort: gatewayPort))

        let sweeper = Task {
            // Idle buckets are dropped lazily; a periodic sweep returns their memory during quiet periods.
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(10))
                _ = limiter.sweep(now: WallClock.nowNanoseconds())
            }
        }
        try? await gracefulShutdown()
        sweeper.cancel()
        // Drain: stop accepting, tell gateway clients 1001, close idle keep-alive connections and let the
        // requests under way finish until `proxy.drain_timeout` (a second signal cancels: see `Serve`).
        logger.info("draining: no new connections; gateway clients get 1001", metadata: [
            "open_connections": "\(shared.channels.count)", "gateway_sessions": "\(gatewayShared.sessions.count)",
        ])
        try? await rest.close()
        try? await gateway.close()
        gatewayShared.sessions.broadcast(GatewayGoingAway())
        shared.channels.broadcast(DrainRequested())
        let deadline = ContinuousClock.now + config.proxy.drainTimeout.duration
        let left = await shared.channels.waitUntilEmpty(deadline: deadline)
        if left > 0 {
            logger.warning("drain deadline passed: closing connections still open", metadata: ["count": "\(left)"])
            shared.channels.closeAll()
        }
        _ = await gatewayShared.sessions.waitUntilEmpty(deadline: ContinuousClock.now + .seconds(2))
        gatewayShared.sessions.closeAll()
        await pools.closeIdle()
        await fleet?.shutdown()
        logger.info("drained")
    }
}

