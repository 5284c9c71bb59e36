import EdgeCore
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import EdgeProxy

/// The REST relay over real loopback sockets: framing, headers, keep-alive, faults.
@Suite struct ProxyRelayTests {
    @Test func relaysAGetAndRewritesHeaders() async throws {
        let upstream = try await TestUpstream.start()
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port])
        defer { Task { await proxy.stop(); await upstream.stop() } }

        let reply = try await RawClient.exchange(port: proxy.port, """
            GET /users/@me?x=1 HTTP/1.1\r
            Host: example.test\r
            Connection: close, X-Client-Hop\r
            X-Client-Hop: secret\r
            X-Forwarded-For: 6.6.6.6\r
            \r

            """)
        #expect(reply.statusCode == 200)
        #expect(reply.text.contains("{\"method\":\"GET\",\"uri\":\"/users/@me?x=1\",\"body\":0}"))
        #expect(!reply.text.lowercased().contains("x-upstream-hop"))
        #expect(reply.text.lowercased().contains("x-request-id: "))
        #expect(reply.closedByServer)

        let seen = try #require(upstream.requests.first)
        #expect(seen.head.headers["x-forwarded-for"] == ["127.0.0.1"])  // spoofed chain from an untrusted peer replaced
        #expect(seen.head.headers["x-forwarded-proto"] == ["http"])
        #expect(seen.head.headers["x-client-hop"].isEmpty)
        #expect(seen.head.headers["host"] == ["example.test"])
        #expect(seen.head.headers["x-request-id"].first?.isEmpty == false)
    }

    @Test func trustedPeerKeepsTheForwardedChainAndRequestID() async throws {
        let upstream = try await TestUpstream.start()
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port], trusted: [CIDR("127.0.0.0/8")!])
        defer { Task { await proxy.stop(); await upstream.stop() } }
        _ = try await RawClient.exchange(port: proxy.port, """
            GET / HTTP/1.1\r
            Host: a\r
            Connection: close\r
            X-Forwarded-For: 203.0.113.7\r
            X-Request-ID: abc-123\r
            \r

            """)
        let seen = try #require(upstream.requests.first)
        #expect(seen.head.headers["x-forwarded-for"] == ["203.0.113.7, 127.0.0.1"])
        #expect(seen.head.headers["x-request-id"] == ["abc-123"])
    }

    @Test func streamsRequestBodiesAndReusesUpstreamConnections() async throws {
        let upstream = try await TestUpstream.start()
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port])
        defer { Task { await proxy.stop(); await upstream.stop() } }
        let body = String(repeating: "a", count: 100_000)
        var payload = ""
        for _ in 0..<3 {
            payload += "POST /guilds HTTP/1.1\r\nHost: a\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        }
        payload += "GET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        let reply = try await RawClient.exchange(port: proxy.port, payload)
        #expect(reply.text.components(separatedBy: "HTTP/1.1 200 OK").count == 5)
        #expect(reply.text.contains("\"body\":100000"))
        #expect(upstream.requestCount == 4)
        #expect(upstream.requests.allSatisfy { $0.head.method == .GET || $0.bodyBytes == 100_000 })
        #expect(upstream.connectionCount == 1)
    }

    @Test func chunkedRequestBodyIsRelayed() async throws {
        let upstream = try await TestUpstream.start()
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port])
        defer { Task { await proxy.stop(); await upstream.stop() } }
        let reply = try await RawClient.exchange(port: proxy.port, """
            POST /guilds HTTP/1.1\r
            Host: a\r
            Transfer-Encoding: chunked\r
            Connection: close\r
            \r
            5\r
            hello\r
            6\r
             world\r
            0\r
            \r

            """)
        #expect(reply.statusCode == 200)
        #expect(reply.text.contains("\"body\":11"))
    }

    /// A chunked body on a method NIO's encoder expects none for (GET, DELETE, OPTIONS) is chunked upstream
    /// too: `Transfer-Encoding` is hop-by-hop, and sent unframed the body would read as the next request on
    /// the pooled connection (request smuggling past the proxy's limits).
    @Test(arguments: ["GET", "DELETE", "OPTIONS"])
    func aChunkedBodyStaysFramedWhateverTheMethod(method: String) async throws {
        let upstream = try await TestUpstream.start()
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port])
        defer { Task { await proxy.stop(); await upstream.stop() } }
        let smuggled = "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
        let chunk = String(smuggled.utf8.count, radix: 16)
        let reply = try await RawClient.exchange(port: proxy.port, """
            \(method) /guilds/1 HTTP/1.1\r
            Host: a\r
            Transfer-Encoding: chunked\r
            \r
            \(chunk)\r
            \(smuggled)\r
            0\r
            \r
            GET /users/@me HTTP/1.1\r
            Host: a\r
            Connection: close\r
            \r

            """)
        #expect(reply.text.contains("\"body\":\(smuggled.utf8.count)"))
        #expect(upstream.requests.map(\.head.uri) == ["/guilds/1", "/users/@me"])
        #expect(upstream.requests.first?.bodyBytes == smuggled.utf8.count)
    }

    /// TRACE carries no content (RFC 9110 section 9.3.8): a TRACE with a body is refused, never relayed.
    @Test func aTraceWithABodyIsRefused() async throws {
        let upstream = try await TestUpstream.start()
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port])
        defer { Task { await proxy.stop(); await upstream.stop() } }
        for framing in ["Content-Length: 5\r\n\r\nhello", "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"] {
            let reply = try await RawClient.exchange(port: proxy.port, "TRACE / HTTP/1.1\r\nHost: a\r\n\(framing)")
            #expect(reply.statusCode == 400)
        }
        #expect(upstream.requestCount == 0)
    }

    @Test func upstreamDownGives502JSON() async throws {
        let dead = RefusedPort()
        let proxy = try await ProxyHarness.start(upstreamPorts: [dead.port])
        defer { withExtendedLifetime(dead) {}; Task { await proxy.stop() } }
        let reply = try await RawClient.exchange(port: proxy.port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(reply.statusCode == 502)
        #expect(reply.text.contains("Content-Type: application/json"))
        #expect(reply.text.hasSuffix("{\"code\": 502, \"message\": \"The upstream server refused the connection or broke it.\"}"))
    }

    @Test func silentUpstreamGives504() async throws {
        let upstream = try await TestUpstream.start(.silent)
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port]) { $0.readTimeout = .milliseconds(300) }
        defer { Task { await proxy.stop(); await upstream.stop() } }
        let reply = try await RawClient.exchange(port: proxy.port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(reply.statusCode == 504)
        #expect(reply.text.contains("\"code\": 504"))
    }

    @Test func upstreamClosingMidBodyClosesTheClient() async throws {
        let upstream = try await TestUpstream.start(.closeMidBody(length: 1000, sent: 10))
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port])
        defer { Task { await proxy.stop(); await upstream.stop() } }
        let reply = try await RawClient.exchange(port: proxy.port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(reply.statusCode == 200)
        #expect(reply.text.contains("Content-Length: 1000"))
        #expect(reply.closedByServer)
        let body = reply.text.components(separatedBy: "\r\n\r\n").last ?? ""
        #expect(body.utf8.count == 10)
    }

    @Test func oneBadUpstreamAmongTwo() async throws {
        let good = try await TestUpstream.start()
        let dead = RefusedPort()
        let proxy = try await ProxyHarness.start(upstreamPorts: [dead.port, good.port])
        defer { withExtendedLifetime(dead) {}; Task { await proxy.stop(); await good.stop() } }
        for _ in 0..<6 {
            let reply = try await RawClient.exchange(port: proxy.port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            #expect(reply.statusCode == 200)
        }
        #expect(good.requestCount == 6)
    }

    @Test func rejectionNeverReachesTheUpstream() async throws {
        let upstream = try await TestUpstream.start()
        let admitter = ClosureAdmitter { _, _ in
            Admission(
                rejection: LocalResponse(status: .tooManyRequests, headers: [("Retry-After", "3")], body: "{}"),
                responseHeaders: [("X-RateLimit-Limit", "1")]
            )
        }
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port], admitter: admitter)
        defer { Task { await proxy.stop(); await upstream.stop() } }
        let reply = try await RawClient.exchange(port: proxy.port, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc")
        #expect(reply.statusCode == 429)
        #expect(reply.text.contains("Retry-After: 3"))
        #expect(reply.text.contains("X-RateLimit-Limit: 1"))
        #expect(upstream.requestCount == 0)
    }

    @Test func largeDownloadStreamsThrough() async throws {
        let total = 32 << 20
        let upstream = try await TestUpstream.start(.large(total: total))
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port])
        defer { Task { await proxy.stop(); await upstream.stop() } }
        let reply = try await RawClient.exchange(
            port: proxy.port, "GET /big HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", timeout: .seconds(30))
        #expect(reply.statusCode == 200)
        let body = reply.text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
        #expect(body.utf8.count == total)
    }
}
