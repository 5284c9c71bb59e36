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
/// drains. `reload(to:)` puts a new config in force while it runs.
public struct EdgeProxyService: Service {
    private let config: EdgeConfig
    private let logger: Logger
    private let group: any EventLoopGroup
    private let onReady: @Sendable (ProxyAddresses) async -> Void
    private let telemetry: ProxyTelemetry?
    private let reloader: ProxyReloader

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
        self.reloader = ProxyReloader(group: group, telemetry: telemetry, logger: logger)
    }

    /// Puts a validated config in force: rate-limit rules (unchanged rules keep their buckets), upstreams,
    /// trusted proxies, proxy and gateway limits, PROXY protocol and TLS (certificate files re-read; a bad one
    /// fails the reload and the old context stays). Requests under way finish under their old rules; no
    /// connection is dropped. Listener addresses, the backend, the metrics database and `max_buckets` need a
    /// restart: they are listed in the outcome and keep their old values.
    public func reload(to config: EdgeConfig) async throws -> ReloadOutcome {
        try await reloader.reload(to: config)
    }

    public func run() async throws {
        let first = try ProxyGeneration.build(config: config, previous: nil, group: group, telemetry: telemetry)
        let restContexts = ContextSwitch(group: group, initial: first.rest)
        let gatewayContexts = ContextSwitch(group: group, initial: first.gateway)
        let rest = try await RESTListener(
            address: config.listen.rest, group: group, contexts: restContexts
        ).bind()
        let restPort = rest.localAddress?.port ?? config.listen.rest.port
        logger.info("REST proxy listening", metadata: [
            "address": "\(config.listen.rest.host):\(restPort)",
            "tls": "\(config.listen.tls.rest != nil)", "proxy_protocol": "\(config.listen.proxyProtocol.rest)",
            "upstreams": "\(config.upstreams.rest.map(\.description).joined(separator: ","))",
        ])
        let gateway = try await GatewayListener(
            address: config.listen.gateway, group: group, contexts: gatewayContexts,
            headerLimit: config.proxy.maxHeaderSize
        ).bind()
        let gatewayPort = gateway.localAddress?.port ?? config.listen.gateway.port
        logger.info("gateway proxy listening", metadata: [
            "address": "\(config.listen.gateway.host):\(gatewayPort)",
            "tls": "\(config.listen.tls.gateway != nil)", "proxy_protocol": "\(config.listen.proxyProtocol.gateway)",
            "upstreams": "\(config.upstreams.gateway.map(\.description).joined(separator: ","))",
        ])
        await reloader.attach(.init(generation: first, rest: restContexts, gateway: gatewayContexts))
        await onReady(ProxyAddresses(restPort: restPort, gatewayPort: gatewayPort))

        let reloader = self.reloader
        let sweeper = Task {
            // Idle buckets are dropped lazily; a periodic sweep returns their memory during quiet periods.
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(10))
                _ = await reloader.current?.limiter.sweep(now: WallClock.nowNanoseconds())
            }
        }
        let checker = Task { await Self.runHealthChecks(reloader: reloader, group: group) }
        let counters = first.counters
        telemetry?.setStatusSupplement { [reloader] in
            // The generation in force is read without waiting on the reloader's actor.
            counters.statusLines() + (reloader.currentHealth()?.statusTable() ?? "")
        }
        telemetry?.setMetricsSupplement { counters.prometheusText() }
        try? await gracefulShutdown()
        sweeper.cancel()
        checker.cancel()
        let last = await reloader.detach()?.generation ?? first
        await drain(rest: rest, gateway: gateway, generation: last)
    }

    /// Active checks (`upstreams.health.check_path`): every `check_interval`, probe each REST server of the
    /// generation in force.
    private static func runHealthChecks(reloader: ProxyReloader, group: any EventLoopGroup) async {
        while !Task.isCancelled {
            guard let generation = await reloader.current, let path = generation.config.upstreams.health.checkPath else {
                try? await Task.sleep(for: .seconds(1))
                continue
            }
            let health = generation.pools.health
            let timeout = TimeAmount.nanoseconds(generation.config.proxy.connectTimeout.nanoseconds)
            for (index, server) in generation.config.upstreams.rest.enumerated() {
                if await HealthProbe.check(server, path: path, timeout: timeout, on: group.next()) {
                    health.recordSuccess(index, fromCheck: true)
                } else {
                    health.recordFailure(index)
                }
            }
            try? await Task.sleep(for: generation.config.upstreams.health.checkInterval.duration)
        }
    }

    /// Stop accepting, tell gateway clients 1001, close idle keep-alive connections and let the requests
    /// under way finish until `proxy.drain_timeout` (a second signal exits at once: see the executable).
    private func drain(rest: any Channel, gateway: any Channel, generation: ProxyGeneration) async {
        let channels = generation.rest.channels
        let sessions = generation.gateway.sessions
        logger.info("draining: no new connections; gateway clients get 1001", metadata: [
            "open_connections": "\(channels.count)", "gateway_sessions": "\(sessions.count)",
        ])
        try? await rest.close()
        try? await gateway.close()
        sessions.broadcast(GatewayGoingAway())
        channels.broadcast(DrainRequested())
        let deadline = ContinuousClock.now + generation.config.proxy.drainTimeout.duration
        let left = await channels.waitUntilEmpty(deadline: deadline)
        if left > 0 {
            logger.warning("drain deadline passed: closing connections still open", metadata: ["count": "\(left)"])
            channels.closeAll()
        }
        _ = await sessions.waitUntilEmpty(deadline: ContinuousClock.now + .seconds(2))
        sessions.closeAll()
        await generation.pools.closeIdle()
        await generation.fleet?.shutdown()
        logger.info("drained")
    }
}
