import ArgumentParser
import EdgeCore
import Foundation

/// How commands report config problems and summaries.
enum ConfigReport {
    /// Loads the config or prints every problem to stderr and exits 1.
    static func loadOrExit(_ explicit: String?) throws -> (EdgeConfig, String) {
        do {
            return try ConfigFile.load(explicit)
        } catch let errors as ConfigErrors {
            printError("invalid configuration:\n\(errors)")
            throw ExitCode(1)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }

    static func printError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// A few lines naming what the config will do.
    static func summary(_ config: EdgeConfig) -> String {
        let upstreams = config.upstreams.usesEmbeddedBackend
            ? "embedded reference backend (\(config.backend.listenREST), \(config.backend.listenGateway))"
            : "rest \(config.upstreams.rest.map(\.description).joined(separator: ", ")); "
                + "gateway \(config.upstreams.gateway.map(\.description).joined(separator: ", "))"
        return """
            listen: rest \(config.listen.rest), gateway \(config.listen.gateway), admin \(config.listen.admin)
            upstreams: \(upstreams)
            rate limits: global \(config.rateLimits.global.limit)/\(config.rateLimits.global.per), \
            default \(config.rateLimits.default.limit)/\(config.rateLimits.default.per), \
            \(config.rateLimits.routes.count) route rules
            """
    }
}
