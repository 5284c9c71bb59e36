import ArgumentParser
import AyakaBackend
import EdgeCore
import EdgeMetrics
import EdgeProxy
import Logging
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the proxy (the default command).",
        discussion: """
            Listens on listen.rest (REST, proxied). With no upstream configured, also starts the
            built-in reference backend on backend.listen and proxies to it.
            SIGTERM/SIGINT stop accepting and drain gracefully.
            """
    )

    @OptionGroup var options: CommonOptions

    func run() async throws {
        LogSetup.bootstrap(level: options.logLevel, format: options.logFormat)
        let logger = Logger(label: "ayaka-edge")
        let (config, source) = try ConfigReport.loadOrExit(options.config)
        logger.info("configuration loaded", metadata: ["source": "\(source)"])

        // Shutdown runs in reverse order: the proxy drains first, then the backend, the admin server, and last
        // the flusher, whose final flush sees every request of the drain.
        let proxyConfig = config.withEmbeddedBackendUpstreams
        let telemetry = ProxyTelemetry(config: proxyConfig, version: EdgeVersion.current,
                                       logger: Logger(label: "ayaka-edge.metrics"))
        let proxy = EdgeProxyService(config: proxyConfig, logger: logger, telemetry: telemetry)
        // listen.tls.admin: one server context for the admin listener's life; each handshake takes the
        // provider's current certificate, so a reload that re-reads the files needs no new listener.
        let adminTLS = try config.listen.tls.admin.map { files in try TLSContextProvider(files: files) }
        let reload = ConfigReload(path: options.config, proxy: proxy, adminTLS: adminTLS, state: telemetry.configState,
                                  logger: logger)
        let adminAPI = AdminAPI(token: config.admin.token) { await reload.run() }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: MetricsFlusher(
                pipeline: telemetry.pipeline, interval: config.metrics.flushInterval.duration,
                drain: { await telemetry.drainShards(now: $0, closingAllWindows: $1) }
            )),
            .init(service: AdminServer(
                address: config.listen.admin, tls: adminTLS?.serverConfiguration,
                source: telemetry.statusSource(version: EdgeVersion.current),
                logger: Logger(label: "ayaka-edge.admin"), extraRoutes: { adminAPI.register(on: $0) }
            )),
        ]
        if config.upstreams.usesEmbeddedBackend {
            logger.info("no upstream configured: starting the embedded reference backend", metadata: [
                "rest": "\(config.backend.listenREST)", "gateway": "\(config.backend.listenGateway)",
            ])
            let backend = try AyakaBackendService(
                configuration: BackendConfiguration(config), logger: Logger(label: "ayaka-edge.backend")
            )
            services.append(.init(service: backend))
        }
        services.append(.init(service: proxy))
        let group = ServiceGroup(configuration: .init(
            services: services, logger: logger))
        try await ProcessSignals.run(group, logger: logger) { _ = await reload.run() }
    }
}
