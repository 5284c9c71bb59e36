import AsyncHTTPClient
import EdgeCore
import Foundation
import NIOCore
import NIOSSL
import Testing

@testable import EdgeProxy

/// The REST listener behind an L4 load balancer (PROXY protocol) and terminating TLS, over loopback.
@Suite struct RESTListenerPreambleTests {
    static let loopback = [CIDR("127.0.0.0/8")!]

    /// A REST listener in front of an echo upstream with the real limiter (so the bucket names the client).
    static func start(preamble: ConnectionPreamble) async throws -> (TestUpstream, ProxyHarness) {
        var rules = EdgeConfig.RateLimits()
        rules.routes = []
        let upstream = try await TestUpstream.start()
        let admitter = RateLimitAdmitter(limiter: RateLimiter(rules: rules),
                                         resolver: ClientAddressResolver(trustedProxies: loopback))
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port], admitter: admitter,
                                                 trusted: loopback, preamble: preamble)
        return (upstream, proxy)
    }

    static func proxyProtocol(_ counters: ListenerSecurityCounters) -> ConnectionPreamble {
        ConnectionPreamble(proxyProtocol: ProxyProtocolSettings(
            trustedProxies: loopback, timeout: .seconds(5), counters: counters.proxyProtocol))
    }

    static let request = "GET /users/@me HTTP/1.1\r\nHost: edge\r\nConnection: close\r\n\r\n"

    @Test(arguments: [
        ("203.0.113.7", ProxyHeaderBytes.v1(source: "203.0.113.7")),
        ("198.51.100.9", ProxyHeaderBytes.v2(source: "198.51.100.9")),
        ("2001:db8::42", ProxyHeaderBytes.v2(source: "2001:db8::42")),
    ])
    func proxyHeaderNamesTheClient(client: String, header: [UInt8]) async throws {
        let counters = ListenerSecurityCounters()
        let (upstream, proxy) = try await Self.start(preamble: Self.proxyProtocol(counters))
        let reply = try await RawClient.exchange(port: proxy.port, header + Array(Self.request.utf8))
        #expect(reply.statusCode == 200)
        #expect(reply.text.contains("X-RateLimit-Bucket: LIMITER/\(client)/default/"))
        #expect(upstream.requests.first?.head.headers["x-forwarded-for"] == [client])
        #expect(counters.proxyProtocolAccepted == 1)
        await proxy.stop()
        await upstream.stop()
    }

    @Test func malformedHeaderClosesTheConnectionAndOthersAreServed() async throws {
        let counters = ListenerSecurityCounters()
        let (upstream, proxy) = try await Self.start(preamble: Self.proxyProtocol(counters))
        let bad = try await RawClient.exchange(port: proxy.port, "PROXY TCP4 not-an-address\r\n" + Self.request)
        #expect(bad.closedByServer)
        #expect(bad.text.isEmpty)
        // Counted on the connection's loop as it closes: seen here once that thread's write is.
        #expect(await eventually { counters.proxyProtocol.rejectedInvalid.load(ordering: .relaxed) == 1 })
        #expect(counters.proxyProtocol.rejected == 1)
        let good = try await RawClient.exchange(port: proxy.port, ProxyHeaderBytes.v1(source: "203.0.113.8")
                                                    + Array(Self.request.utf8))
        #expect(good.statusCode == 200)
        #expect(upstream.requestCount == 1)
        await proxy.stop()
        await upstream.stop()
    }

    @Test func httpsRequestIsRelayedWithForwardedProtoHTTPS() async throws {
        let fixture = try TLSFixture()
        let files = try fixture.makeCertificate("server")
        let counters = ListenerSecurityCounters()
        let preamble = ConnectionPreamble(tls: try TLSContextProvider(files: .init(certificate: files.certificate,
                                                                                   key: files.key)),
                                          tlsCounters: counters.tls)
        let (upstream, proxy) = try await Self.start(preamble: preamble)
        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: .init(tlsConfiguration: try TestTLS.configuration()))
        let response = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(proxy.port)/users/@me"),
                                                timeout: .seconds(10))
        #expect(response.status == .ok)
        #expect(upstream.requests.first?.head.headers["x-forwarded-proto"] == ["https"])
        #expect(counters.tls.completed.load(ordering: .relaxed) == 1)

        // A plain-text client fails the handshake: closed and counted; TLS clients are still served.
        let plain = try await RawClient.exchange(port: proxy.port, Self.request)
        #expect(plain.closedByServer)
        #expect(plain.statusCode == nil)
        #expect(counters.tls.failed.load(ordering: .relaxed) == 1)
        let again = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(proxy.port)/users/@me"),
                                             timeout: .seconds(10))
        #expect(again.status == .ok)
        try await client.shutdown()
        await proxy.stop()
        await upstream.stop()
    }

    @Test func silentTLSConnectionIsClosedAfterTheHandshakeTimeout() async throws {
        let fixture = try TLSFixture()
        let files = try fixture.makeCertificate("server")
        let counters = ListenerSecurityCounters()
        let preamble = ConnectionPreamble(
            tls: try TLSContextProvider(files: .init(certificate: files.certificate, key: files.key)),
            tlsHandshakeTimeout: .milliseconds(200), tlsCounters: counters.tls)
        let (upstream, proxy) = try await Self.start(preamble: preamble)
        // Closed by the server (the client would wait 5 s), and counted as a handshake timeout.
        let silent = try await RawClient.exchange(port: proxy.port, [], timeout: .seconds(5))
        #expect(silent.closedByServer)
        #expect(counters.tls.timedOut.load(ordering: .relaxed) == 1)
        #expect(counters.tls.failed.load(ordering: .relaxed) == 0)
        await proxy.stop()
        await upstream.stop()
    }

    @Test func proxyHeaderThenTLS() async throws {
        let fixture = try TLSFixture()
        let files = try fixture.makeCertificate("server")
        let counters = ListenerSecurityCounters()
        var preamble = Self.proxyProtocol(counters)
        preamble.tls = try TLSContextProvider(files: .init(certificate: files.certificate, key: files.key))
        preamble.tlsCounters = counters.tls
        let (upstream, proxy) = try await Self.start(preamble: preamble)
        let reply = try await EchoClient.exchange(port: proxy.port, proxyHeader: ProxyHeaderBytes.v1(source: "203.0.113.9"),
                                                  tls: true, message: Self.request)
        #expect(reply.hasPrefix("HTTP/1.1 200"))
        #expect(upstream.requests.first?.head.headers["x-forwarded-for"] == ["203.0.113.9"])
        #expect(upstream.requests.first?.head.headers["x-forwarded-proto"] == ["https"])
        await proxy.stop()
        await upstream.stop()
    }

    @Test func countersOnStatusAndMetrics() {
        let counters = ListenerCounters()
        counters.rest.proxyProtocol.proxied.add(2, ordering: .relaxed)
        counters.rest.proxyProtocol.rejectedInvalid.add(1, ordering: .relaxed)
        counters.gateway.tls.completed.add(3, ordering: .relaxed)
        counters.gateway.tls.timedOut.add(1, ordering: .relaxed)
        let status = counters.statusLines()
        for line in ["rest_proxy_protocol_accepted: 2", "rest_proxy_protocol_rejected: 1", "gateway_tls_handshakes: 3",
                     "gateway_tls_handshakes_failed: 1", "gateway_tls_handshake_timeouts: 1"] {
            #expect(status.contains(line + "\n"), "\(line)")
        }
        let metrics = counters.prometheusText()
        #expect(metrics.contains("ayaka_edge_proxy_protocol_connections_total{listener=\"rest\",result=\"rejected\"} 1\n"))
        #expect(metrics.contains("ayaka_edge_tls_handshakes_total{listener=\"gateway\",result=\"timed_out\"} 1\n"))
    }
}
