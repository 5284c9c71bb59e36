import AyakaBackend
import EdgeCore
import EdgeMetrics
import EdgeProxy
import Foundation
import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// A whole deployment in-process, as `ayaka-edge serve` wires it: the reference backend and the proxy in
/// front of it, each on OS-chosen loopback ports, with a fresh database.
struct Deployment: Sendable {
    let proxyREST: Int
    let proxyGateway: Int
    let backendREST: Int
    let adminPort: Int
    let telemetry: ProxyTelemetry
    let metricsDatabase: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    static let logger: Logger = {
        var logger = Logger(label: "e2e")
        logger.logLevel = .warning
        return logger
    }()

    /// Starts both; `configure` adjusts the proxy config (rate limits, gateway limits).
    static func start(configure: @Sendable (inout EdgeConfig) -> Void = { _ in }) async throws -> Deployment {
        var backendConfig = BackendConfiguration()
        backendConfig.restPort = 0
        backendConfig.gatewayPort = 0
        backendConfig.passwordHashRounds = 1_000
        backendConfig.identifyTimeout = .seconds(2)
        backendConfig.databasePath = FileManager.default.temporaryDirectory
            .appendingPathComponent("ayaka-e2e-\(UUID().uuidString)/ayaka.sqlite").path
        let backendReady = AsyncStream<BackendAddresses>.makeStream()
        let backend = try AyakaBackendService(configuration: backendConfig, logger: logger) { addresses in
            backendReady.continuation.yield(addresses)
        }
        let backendGroup = ServiceGroup(services: [backend], logger: logger)
        let backendTask = Task { try await backendGroup.run() }
        var iterator = backendReady.stream.makeAsyncIterator()
        guard let addresses = await iterator.next() else { throw DeploymentError.backendDidNotStart }

        var config = EdgeConfig()
        config.listen.rest = HostPort(host: "127.0.0.1", port: 0)
        config.listen.gateway = HostPort(host: "127.0.0.1", port: 0)
        config.upstreams.rest = [UpstreamURL(scheme: .http, host: "127.0.0.1", port: addresses.restPort)]
        config.upstreams.gateway = [UpstreamURL(scheme: .ws, host: "127.0.0.1", port: addresses.gatewayPort)]
        config.listen.admin = HostPort(host: "127.0.0.1", port: 0)
        config.metrics.database = FileManager.default.temporaryDirectory
            .appendingPathComponent("ayaka-e2e-\(UUID().uuidString)/metrics.sqlite").path
        config.metrics.flushInterval = .milliseconds(100)
        configure(&config)
        let telemetry = ProxyTelemetry(config: config, version: "test", logger: logger)
        let proxyReady = AsyncStream<ProxyAddresses>.makeStream()
        let adminReady = AsyncStream<Int>.makeStream()
        let proxy = EdgeProxyService(config: config, logger: logger, telemetry: telemetry) {
            proxyReady.continuation.yield($0)
        }
        let flusher = MetricsFlusher(pipeline: telemetry.pipeline, interval: .milliseconds(100)) {
            await telemetry.drainShards(now: $0, closingAllWindows: $1)
        }
        let admin = AdminServer(address: config.listen.admin, source: telemetry.statusSource(version: "test"),
                                logger: logger) { adminReady.continuation.yield($0) }
        let group = ServiceGroup(services: [flusher, admin, proxy], logger: logger)
        let task = Task {
            defer { backendTask.cancel() }  // the backend stops with the proxy, however the proxy ended
            try await withTaskCancellationHandler {
                try await group.run()
            } onCancel: {
                backendTask.cancel()
            }
        }
        var proxyIterator = proxyReady.stream.makeAsyncIterator()
        guard let ports = await proxyIterator.next() else { throw DeploymentError.proxyDidNotStart }
        var adminIterator = adminReady.stream.makeAsyncIterator()
        guard let adminPort = await adminIterator.next() else { throw DeploymentError.proxyDidNotStart }
        _ = backendGroup
        return Deployment(proxyREST: ports.restPort, proxyGateway: ports.gatewayPort, backendREST: addresses.restPort,
                          adminPort: adminPort, telemetry: telemetry, metricsDatabase: config.metrics.database,
                          group: group, task: task)
    }

    /// Graceful shutdown (the drain and the final metrics flush run), cancelling only if it takes over 10 s.
    func stop() async {
        await group.triggerGracefulShutdown()
        let task = self.task
        let watchdog = Task {
            try await Task.sleep(for: .seconds(10))
            task.cancel()
        }
        _ = await task.result
        watchdog.cancel()
    }
}

enum DeploymentError: Error {
    case backendDidNotStart, proxyDidNotStart
}
