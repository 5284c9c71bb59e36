import ArgumentParser
import Logging

/// Options every long-running command takes.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Config file (YAML). Default: Config/ayaka-edge.yaml if present, else built-in defaults.")
    var config: String?

    @Option(name: .long, help: "Lowest level logged: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(name: .long, help: "Log line format: text or json.")
    var logFormat: LogFormat = .text
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
