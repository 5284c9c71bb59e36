import EdgeCore
import NIOCore
import NIOPosix

@testable import EdgeProxy

/// A gateway listener on a loopback port in front of the given WebSocket upstream ports.
struct GatewayHarness {
    let channel: any Channel
    let shared: GatewayContext
    var port: Int { channel.localAddress!.port! }

    static func start(
        upstreamPorts: [Int], preamble: ConnectionPreamble = ConnectionPreamble(), telemetry: ProxyTelemetry? = nil,
        configure: (inout EdgeConfig) -> Void = { _ in }
    ) async throws -> GatewayHarness {
        var config = EdgeConfig()
        config.listen.gateway = HostPort(host: "127.0.0.1", port: 0)
        config.upstreams.gateway = upstreamPorts.map { UpstreamURL(scheme: .ws, host: "127.0.0.1", port: $0) }
        configure(&config)
        let shared = GatewayContext(config: config, telemetry: telemetry, preamble: preamble)
        let group = MultiThreadedEventLoopGroup.singleton
        let listener = GatewayListener(
            address: config.listen.gateway, group: group, contexts: ContextSwitch(group: group, initial: shared),
            headerLimit: config.proxy.maxHeaderSize
        )
        return GatewayHarness(channel: try await listener.bind(), shared: shared)
    }

    func stop() async {
        try? await channel.close()
    }
}
