import EdgeCore
import Foundation
import NIOCore
import Testing

@testable import EdgeProxy

/// Abuse from one client must not cost anyone else: slow headers, too many connections.
@Suite struct ClientHardeningTests {
    @Test func trickledHeadersGet408AndTheConnectionIsFreed() async throws {
        let upstream = try await TestUpstream.start()
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port]) { $0.headerTimeout = .milliseconds(300) }
        let parts = ["GET / HTTP/1.1\r\n", "Host: a\r\n"] + (0..<30).map { "X-Slow-\($0): 1\r\n" }
        let reply = try await RawClient.trickle(port: proxy.port, parts, gap: .milliseconds(50))
        #expect(reply.statusCode == 408)
        #expect(reply.text.contains("\"code\": 408"))
        #expect(reply.closedByServer)
        #expect(upstream.requestCount == 0)
        await proxy.stop(); await upstream.stop()
    }

    @Test func aSlowKeepAliveClientIsNotCutMidIdle() async throws {
        // The header timeout runs from a request's first byte, not while the connection idles between requests.
        let upstream = try await TestUpstream.start()
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port]) { $0.headerTimeout = .milliseconds(300) }
        let request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
        let reply = try await RawClient.trickle(
            port: proxy.port, [request, request, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"],
            gap: .milliseconds(400)
        )
        #expect(reply.text.components(separatedBy: "HTTP/1.1 200 OK").count == 4)
        await proxy.stop(); await upstream.stop()
    }

    @Test func connectionsOverThePerIPCapAreRefusedWhileAnotherIPIsServed() async throws {
        let upstream = try await TestUpstream.start()
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port]) { $0.maxConnectionsPerIP = 5 }
        var held: [any Channel] = []
        for _ in 0..<5 { held.append(try await RawClient.open(port: proxy.port).0) }
        try await proxy.waitForOpenConnections(5)
        let refused = try await RawClient.exchange(port: proxy.port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(refused.statusCode == 429)
        #expect(refused.text.contains("Too many open connections from your address."))
        #expect(refused.closedByServer)
        let other = try await RawClient.exchange(
            port: proxy.port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", from: "127.0.0.2")
        #expect(other.statusCode == 200)
        // Closing one frees its slot.
        try await held.removeFirst().close()
        var served = false
        for _ in 0..<100 where !served {
            let again = try await RawClient.exchange(port: proxy.port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            served = again.statusCode == 200
            if !served { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(served)
        for channel in held { try? await channel.close() }
        await proxy.stop(); await upstream.stop()
    }

    @Test func totalCapGives503() async throws {
        let upstream = try await TestUpstream.start()
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port]) { $0.maxConnections = 2 }
        let a = try await RawClient.open(port: proxy.port).0
        let b = try await RawClient.open(port: proxy.port).0
        try await proxy.waitForOpenConnections(2)
        let refused = try await RawClient.exchange(port: proxy.port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(refused.statusCode == 503)
        try await a.close(); try await b.close()
        await proxy.stop(); await upstream.stop()
    }
}
