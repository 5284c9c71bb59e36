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
    /// PROXY protocol and TLS counters, the same object in every generation.
    let counters: ListenerCounters

    static func build(
        config: EdgeConfig, previous: ProxyGeneration?, group: any EventLoopGroup, telemetry: ProxyTelemetry?
    ) throws -> ProxyGeneration {
        // First: the TLS files are read, so a bad one fails the build before any other part is made.
        let counters = previous?.counters ?? ListenerCounters()
        let preambles = try ListenerPreambles(config: config, counters: counters)
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
                && $0.config.upstreams.health == config.upstreams.health
        } ?? false
        let pools = samePools ? previous!.pools : UpstreamPoolGroup(
            group: group, servers: config.upstreams.rest, proxy: config.proxy, health: config.upstreams.health,
            shards: telemetry?.shards
        )
        let admitter = RateLimitAdmitter(
            limiter: limiter, resolver: ClientAddressResolver(trustedProxies: config.clientIP.trustedProxies),
            fleet: fleet
        )
        let rest = ProxyConnectionContext(
            admitter: admitter, pools: pools, limits: config.proxy, trustedProxies: config.clientIP.trustedProxies,
            telemetry: telemetry, preamble: preambles.rest, carryingOver: previous?.rest
        )
        let gateway = GatewayContext(config: config, telemetry: telemetry, preamble: preambles.gateway,
                                     carryingOver: previous?.gateway)
        return ProxyGeneration(
            number: (previous?.number ?? 0) + 1, config: config, limiter: limiter, fleet: fleet, pools: pools,
            rest: rest, gateway: gateway, counters: counters
        )
    }

    /// Keys whose change needs a restart (listener addresses, the backend, the metrics database, the bucket
    /// cap, turning the admin listener's TLS on or off); a reload keeps their old values and reports them.
    /// `listen.proxy_protocol`, `listen.tls` (files re-read; the admin listener's by the executable) and
    /// `listen.tls_handshake_timeout` apply to new connections.
    static func restartOnlyChanges(from old: EdgeConfig, to new: EdgeConfig) -> [String] {
        var keys: [String] = []
        if old.listen.addresses != new.listen.addresses { keys.append("listen") }
        if (old.listen.tls.admin == nil) != (new.listen.tls.admin == nil) { keys.append("listen.tls.admin") }
        if old.backend != new.backend { keys.append("backend") }
        if old.metrics != new.metrics { keys.append("metrics") }
        if old.admin != new.admin { keys.append("admin") }
        if old.rateLimits.maxBuckets != new.rateLimits.maxBuckets { keys.append("rate_limits.max_buckets") }
        return keys
    }
}
