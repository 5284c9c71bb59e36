import EdgeCore
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import EdgeProxy

/// What a relayed session keeps besides its frames: bytes the upstream sent before the client side was
/// attached, and the stub_status gauges ("Active" from the accept to the close, "Writing" and the gateway
/// count while relayed), kept by the handlers rather than a close callback per connection.
@Suite struct GatewaySessionAccountingTests {
    @Test func anUpstreamThatSpeaksFirstIsRelayedInOrder() async throws {
        let upstream = try await TestWebSocketUpstream.start(greeting: ["one", "two", "three"])
        let gateway = try await GatewayHarness.start(upstreamPorts: [upstream.port])
        let client = try await TestWebSocketClient.connect(port: gateway.port)
        var texts: [String] = []
        for _ in 0..<3 {
            let frame = try #require(await client.nextFrame(.text))
            texts.append(String(buffer: frame.unmaskedData))
        }
        #expect(texts == ["one", "two", "three"])
        try await client.send(.text, "after")
        let echo = try #require(await client.nextFrame(.text))
        #expect(String(buffer: echo.unmaskedData) == "after")
        try await client.close(code: 1000)
        await gateway.stop(); await upstream.stop()
    }

    @Test func gaugesCountEachConnectionFromAcceptToClose() async throws {
        var config = EdgeConfig()
        config.metrics.enabled = false  // no SQLite file
        let telemetry = ProxyTelemetry(config: config, version: "test", logger: Logger(label: "test"))
        let gauges = telemetry.gauges
        let upstream = try await TestWebSocketUpstream.start()
        let gateway = try await GatewayHarness.start(upstreamPorts: [upstream.port], telemetry: telemetry)

        let first = try await TestWebSocketClient.connect(port: gateway.port)
        let second = try await TestWebSocketClient.connect(port: gateway.port)
        // A connection that has sent nothing yet is active too, but not relayed.
        let silent = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: gateway.port).get()
        #expect(await eventually { gauges.read().accepted == 3 })
        #expect(gauges.read().active == 3)
        #expect(gauges.read().gatewayActive == 2)
        #expect(gauges.read().writing == 2)

        // However each ends (upstream gone, client gone, never upgraded), its counts are released once.
        upstream.killConnections()
        #expect(await first.closeCode() == 1011)
        await second.disconnect()
        try await silent.close()
        #expect(await eventually {
            gauges.read().active == 0 && gauges.read().gatewayActive == 0
        })
        #expect(gauges.read().writing == 0)
        #expect(gauges.read().accepted == 3)
        #expect(gateway.shared.connections.total == 0)
        await gateway.stop(); await upstream.stop()
    }
}
