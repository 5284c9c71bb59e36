import ArgumentParser

/// `ayaka-edge`: a rate-limiting reverse proxy for the Ayaka chat API, with its reference backend.
@main
struct AyakaEdge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ayaka-edge",
        abstract: "A rate-limiting reverse proxy and WebSocket gateway relay for the Ayaka chat API.",
        discussion: """
            With no subcommand, runs `serve`. With no upstream configured, `serve` also starts the
            built-in reference Ayaka backend, so a bare `ayaka-edge` is a working deployment on loopback:
              REST API through the proxy   http://127.0.0.1:8080
              backend (direct)             http://127.0.0.1:7070
            Config: --config FILE, else Config/ayaka-edge.yaml in the working directory if present, else
            built-in defaults (equal to that file). Any key can be overridden with AYAKA_EDGE_<KEY_PATH>,
            e.g. AYAKA_EDGE_RATE_LIMITS_GLOBAL_LIMIT=100.
            """,
        version: EdgeVersion.current,
        subcommands: [Serve.self, BackendCommand.self, CheckConfig.self, ReportCommand.self, StatusCommand.self],
        defaultSubcommand: Serve.self
    )
}

enum EdgeVersion {
    static let current = "0.1.0"
}
