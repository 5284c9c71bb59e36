import EdgeCore
import EdgeRedis
import Foundation
import NIOCore

/// Everything built from one config: the limiter and its store, the upstream pools, and the listeners'
/// contexts. A reload builds the next generation from the previous one, keeping what did not change:
/// the buckets of unchanged rules, the shared store, warm upstream connections, connection counts.
struct ProxyGeneration: Sendable {
    let number: Int
    let config: EdgeConfig
    let limiter: RateLimiter
    let fleet: FailoverRateLimitStore?
    let pools: UpstreamPoolGroup
    let rest: ProxyConnectionContext
    let gateway: GatewayContext

    static func build(
        config: EdgeConfig, previous: ProxyGeneration?, group: any EventLoopGroup, telemetry: ProxyTelemetry?
    ) throws -> ProxyGeneration {
        let sameStore = previous.map {
            $0.config.rateLimits.store == config.rateLimits.store
                && $0.config.rateLimits.onStoreFailure == config.rateLimits.onStoreFailure
        } ?? false
        // `store: redis://…` shares buckets across a fleet; its `local` fallback is the limiter's own store.
        let fleet = sameStore ? previous?.fleet : try FleetRateLimitStore.make(
            rules: config.rateLimits, eventLoopGroup: group, environment: ProcessInfo.processInfo.environment
        )
        let limiter: RateLimiter
        if let previous, sameStore {
            limiter = RateLimiter(rules: config.rateLimits, carryingOver: previous.limiter)
        } else {
            limiter = fleet.map { RateLimiter(rules: config.rateLimits, store: $0.localStore) }
                ?? RateLimiter(rules: config.rateLimits)
        }
        let samePools = previous.map {
            $0.config.upstreams.rest == config.upstreams.rest
                && $0.config.proxy.connectTimeout == config.proxy.connectTimeout
                && $0.config.proxy.maxIdleUpstreamConnections == config.proxy.maxIdleUpstreamConnections
        } ?? false
        let pools = samePools ? previous!.pools : UpstreamPoolGroup(
            group: group, servers: config.upstreams.rest, proxy: config.proxy, shards: telemetry?.shards
        )
        let admitter = RateLimitAdmitter(
            limiter: limiter, resolver: ClientAddressResolver(trustedProxies: config.clientIP.trustedProxies),
            fleet: fleet
        )
        let rest = ProxyConnectionContext(
            admitter: admitter, pools: pools, limits: config.proxy, trustedProxies: config.clientIP.trustedProxies,
            telemetry: telemetry, carryingOver: previous?.rest
        )
        let gateway = GatewayContext(config: config, telemetry: telemetry, carryingOver: previous?.gateway)
        return ProxyGeneration(
            number: (previous?.number ?? 0) + 1, config: config, limiter: limiter, fleet: fleet, pools: pools,
            rest: rest, gateway: gateway
        )
    }

    /// Keys whose change needs a restart (listeners, the backend, the metrics database, the bucket cap);
    /// a reload keeps their old values and reports them.
    static func restartOnlyChanges(from old: EdgeConfig, to new: EdgeConfig) -> [String] {
        var keys: [String] = []
        if old.listen != new.listen { keys.append("listen") }
        if old.backend != new.backend { keys.append("backend") }
        if old.metrics != new.metrics { keys.append("metrics") }
        if old.admin != new.admin { keys.append("admin") }
        if old.rateLimits.maxBuckets != new.rateLimits.maxBuckets { keys.append("rate_limits.max_buckets") }
        return keys
    }
}
