import ArgumentParser
import AyakaBackend
import Logging
import ServiceLifecycle

struct BackendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backend",
        abstract: "Run only the reference Ayaka backend (REST and gateway), without the proxy.",
        discussion: "Listens on backend.listen.rest (default 127.0.0.1:7070) and backend.listen.gateway (7071)."
    )

    @OptionGroup var options: CommonOptions

    func run() async throws {
        LogSetup.bootstrap(level: options.logLevel, format: options.logFormat)
        let logger = Logger(label: "ayaka-edge.backend")
        let (config, _) = try ConfigReport.loadOrExit(options.config)
        let backend = try AyakaBackendService(configuration: BackendConfiguration(config), logger: logger)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: backend)], logger: logger))
        try await ProcessSignals.run(group, logger: logger)
    }
}
