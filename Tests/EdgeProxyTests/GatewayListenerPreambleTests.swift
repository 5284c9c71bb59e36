import AsyncHTTPClient
import EdgeCore
import Foundation
import NIOCore
import Testing

@testable import EdgeProxy

/// The gateway listener behind an L4 load balancer (PROXY protocol) and terminating TLS, over loopback.
@Suite struct GatewayListenerPreambleTests {
    static let loopback = [CIDR("127.0.0.0/8")!]

    @Test(arguments: [
        ("203.0.113.7", ProxyHeaderBytes.v1(source: "203.0.113.7")),
        ("198.51.100.9", ProxyHeaderBytes.v2(source: "198.51.100.9")),
    ])
    func upgradeCarriesTheProxyHeadersClient(client: String, header: [UInt8]) async throws {
        let counters = ListenerSecurityCounters()
        let preamble = ConnectionPreamble(proxyProtocol: ProxyProtocolSettings(
            trustedProxies: Self.loopback, timeout: .seconds(5), counters: counters.proxyProtocol))
        let upstream = try await TestWebSocketUpstream.start()
        let gateway = try await GatewayHarness.start(upstreamPorts: [upstream.port], preamble: preamble) {
            $0.clientIP.trustedProxies = Self.loopback
            $0.gateway.maxConnectionsPerIP = 1
        }
        let session = try await TestWebSocketClient.connect(port: gateway.port, proxyHeader: header)
        let head = try #require(upstream.snapshot.upgradeHeads.first)
        #expect(head.headers["x-forwarded-for"] == [client])
        #expect(counters.proxyProtocolAccepted == 1)

        // The per-IP cap counts the header's client, not the balancer: a second session from it is refused,
        // one from another client through the same balancer is not.
        await #expect(throws: TestWebSocketClient.Refused.self) {
            _ = try await TestWebSocketClient.connect(port: gateway.port, proxyHeader: header)
        }
        let other = try await TestWebSocketClient.connect(port: gateway.port,
                                                          proxyHeader: ProxyHeaderBytes.v1(source: "192.0.2.1"))
        await other.disconnect()
        await session.disconnect()
        await gateway.stop()
        await upstream.stop()
    }

    @Test func webSocketOverTLSAndAvailableAnnouncesWSS() async throws {
        let fixture = try TLSFixture()
        let files = try fixture.makeCertificate("server")
        let counters = ListenerSecurityCounters()
        let preamble = ConnectionPreamble(
            tls: try TLSContextProvider(files: .init(certificate: files.certificate, key: files.key)),
            tlsCounters: counters.tls)
        let upstream = try await TestWebSocketUpstream.start()
        let gateway = try await GatewayHarness.start(upstreamPorts: [upstream.port], preamble: preamble)

        let session = try await TestWebSocketClient.connect(port: gateway.port, tls: true)
        try await session.send(.text, "{\"session_id\": \"1\"}")
        let echoed = try #require(await session.nextFrame(.text))
        #expect(String(buffer: echoed.unmaskedData) == "{\"session_id\": \"1\"}")
        let head = try #require(upstream.snapshot.upgradeHeads.first)
        #expect(head.headers["x-forwarded-proto"] == ["https"])
        await session.disconnect()

        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: .init(tlsConfiguration: try TestTLS.configuration()))
        let response = try await client.execute(
            HTTPClientRequest(url: "https://127.0.0.1:\(gateway.port)/available"), timeout: .seconds(10))
        let body = String(buffer: try await response.body.collect(upTo: 1 << 16))
        #expect(body.contains("\"url\": \"wss://127.0.0.1:\(gateway.port)\""))
        #expect(counters.tls.completed.load(ordering: .relaxed) == 2)
        try await client.shutdown()
        await gateway.stop()
        await upstream.stop()
    }
}
