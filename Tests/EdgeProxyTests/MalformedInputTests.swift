import NIOCore
import Testing

/// Bad input gets a clear JSON error and a closed connection; the proxy keeps serving others.
@Suite struct MalformedInputTests {
    static let cases: [(String, String, Int)] = [
        ("malformed request line", "GARBAGE\r\n\r\n", 400),
        ("bad version", "GET / HTTP/9.9\r\nHost: a\r\n\r\n", 400),
        ("invalid content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 12abc\r\n\r\n", 400),
        ("negative content-length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
        ("both CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("duplicate CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
        ("duplicate equal CL", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400),
        ("unknown transfer coding", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
        ("obfuscated TE", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", 400),
    ]

    @Test(arguments: 0..<cases.count)
    func rejected(index: Int) async throws {
        let (name, payload, status) = Self.cases[index]
        let upstream = try await TestUpstream.start()
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port])
        defer { Task { await proxy.stop(); await upstream.stop() } }
        let reply = try await RawClient.exchange(port: proxy.port, payload)
        #expect(reply.statusCode == status, "\(name): \(reply.text)")
        #expect(reply.text.contains("\"code\": \(status)"), "\(name)")
        #expect(reply.closedByServer, "\(name)")
        #expect(upstream.requestCount == 0, "\(name)")
        // Still serving.
        let ok = try await RawClient.exchange(port: proxy.port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(ok.statusCode == 200)
    }

    @Test func hugeHeadersGet431() async throws {
        let upstream = try await TestUpstream.start()
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port])
        defer { Task { await proxy.stop(); await upstream.stop() } }
        let big = String(repeating: "x", count: 64 * 1024)
        let reply = try await RawClient.exchange(port: proxy.port, "GET / HTTP/1.1\r\nHost: a\r\nX-Big: \(big)\r\n\r\n")
        #expect(reply.statusCode == 431)
        #expect(reply.text.contains("\"code\": 431"))
        #expect(reply.closedByServer)
        #expect(upstream.requestCount == 0)
    }

    @Test func declaredBodyOverTheLimitGets413() async throws {
        let upstream = try await TestUpstream.start()
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port]) { $0.maxBodySize = 1000 }
        defer { Task { await proxy.stop(); await upstream.stop() } }
        let reply = try await RawClient.exchange(port: proxy.port, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10000000\r\n\r\n")
        #expect(reply.statusCode == 413)
        #expect(reply.closedByServer)
        #expect(upstream.requestCount == 0)
    }

    @Test func chunkedBodyOverTheLimitGets413() async throws {
        let upstream = try await TestUpstream.start(.silent)
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port]) { $0.maxBodySize = 1000 }
        defer { Task { await proxy.stop(); await upstream.stop() } }
        let chunk = String(repeating: "z", count: 800)
        let payload = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n\(chunk)\r\n320\r\n\(chunk)\r\n0\r\n\r\n"
        let reply = try await RawClient.exchange(port: proxy.port, payload)
        #expect(reply.statusCode == 413)
        #expect(reply.closedByServer)
    }
}
