import EdgeCore
import EdgeMetrics
import Logging
import NIOCore
import Synchronization

/// What a reload did.
public struct ReloadOutcome: Sendable {
    /// The config generation now in force.
    public var generation: Int
    /// Changed keys that only take effect on restart (their old values stay in force).
    public var needsRestart: [String]
}

public enum ReloadError: Error, CustomStringConvertible {
    case notRunning
    case inProgress
    case failed(String)

    public var description: String {
        switch self {
        case .notRunning: return "the proxy is not running"
        case .inProgress: return "a reload is already in progress"
        case .failed(let reason): return "reload failed: \(reason)"
        }
    }
}

/// Holds the running proxy's generation and switches it on reload. One reload at a time.
actor ProxyReloader {
    struct Running {
        var generation: ProxyGeneration
        let rest: ContextSwitch<ProxyConnectionContext>
        let gateway: ContextSwitch<GatewayContext>
    }

    private var running: Running?
    /// The upstream health of the generation in force, readable without entering the actor (for `/status`).
    private nonisolated let health = Mutex<UpstreamHealth?>(nil)

    nonisolated func currentHealth() -> UpstreamHealth? {
        health.withLock { $0 }
    }
    private var reloading = false
    private let group: any EventLoopGroup
    private let telemetry: ProxyTelemetry?
    private let logger: Logger

    init(group: any EventLoopGroup, telemetry: ProxyTelemetry?, logger: Logger) {
        self.group = group
        self.telemetry = telemetry
        self.logger = logger
    }

    func attach(_ running: Running) {
        self.running = running
        health.withLock { $0 = running.generation.pools.health }
    }
    func detach() -> Running? {
        defer { running = nil }
        return running
    }

    var current: ProxyGeneration? { running?.generation }

    /// Builds the next generation from `config` and puts it in force on every event loop. Requests already
    /// under way finish under the rules they started with; no connection is dropped.
    func reload(to requested: EdgeConfig) async throws -> ReloadOutcome {
        guard var state = running else { throw ReloadError.notRunning }
        guard !reloading else { throw ReloadError.inProgress }
        reloading = true
        defer { reloading = false }

        let old = state.generation
        let needsRestart = ProxyGeneration.restartOnlyChanges(from: old.config, to: requested)
        var config = requested
        config.listen.rest = old.config.listen.rest
        config.listen.gateway = old.config.listen.gateway
        config.listen.admin = old.config.listen.admin
        if (config.listen.tls.admin == nil) != (old.config.listen.tls.admin == nil) {
            config.listen.tls.admin = old.config.listen.tls.admin
        }
        config.backend = old.config.backend
        config.metrics = old.config.metrics
        config.admin = old.config.admin
        config.rateLimits.maxBuckets = old.config.rateLimits.maxBuckets

        let next: ProxyGeneration
        do {
            next = try ProxyGeneration.build(config: config, previous: old, group: group, telemetry: telemetry)
        } catch {
            throw ReloadError.failed("\(error)")
        }
        if let telemetry {
            // Route and upstream ids change with the config: what was recorded so far is stored under the old
            // names first.
            await telemetry.pipeline.ingest(await telemetry.drainShards(now: WallClock.nowNanoseconds()))
            await telemetry.pipeline.updateLabels(MetricsLabels(config: config))
        }
        await state.rest.update(next.rest)
        await state.gateway.update(next.gateway)
        state.generation = next
        running = state
        health.withLock { $0 = next.pools.health }
        if next.pools !== old.pools { await old.pools.retire() }
        if let oldFleet = old.fleet, oldFleet !== next.fleet { await oldFleet.shutdown() }
        telemetry?.configState.loaded(generation: next.number, at: WallClock.nowNanoseconds())
        logger.info("configuration reloaded", metadata: [
            "generation": "\(next.number)", "routes": "\(config.rateLimits.routes.count)",
            "needs_restart": "\(needsRestart.joined(separator: ","))",
        ])
        return ReloadOutcome(generation: next.number, needsRestart: needsRestart)
    }
}
