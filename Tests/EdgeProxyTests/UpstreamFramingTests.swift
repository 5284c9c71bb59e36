import Testing

@testable import EdgeProxy

/// Responses framed in every way an upstream may frame them, relayed end to end: what the client gets is one
/// response per request, framed for the client, with exactly the upstream's body bytes; and what cannot be read
/// unambiguously fails as a 502 instead of being passed on.
@Suite struct UpstreamFramingTests {
    /// The body after the head of a chunked reply, de-chunked (on bytes: "\r\n" is one Character).
    private func dechunked(_ reply: String) -> String? {
        let bytes = Array(reply.utf8)
        let crlf: [UInt8] = [13, 10]
        func lineEnd(from index: Int) -> Int? {
            (index..<max(index, bytes.count - 1)).first { bytes[$0] == 13 && bytes[$0 + 1] == 10 }
        }
        guard var at = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<$0 + 4]) == crlf + crlf })
        else { return nil }
        at += 4
        var body: [UInt8] = []
        while let end = lineEnd(from: at), let size = Int(String(decoding: bytes[at..<end], as: UTF8.self), radix: 16) {
            if size == 0 { return String(decoding: body, as: UTF8.self) }
            guard end + 2 + size + 2 <= bytes.count else { return nil }
            body += bytes[(end + 2)..<(end + 2 + size)]
            at = end + 2 + size + 2
        }
        return nil
    }

    @Test func aChunkedUpstreamBodyReachesBothKindsOfClientIntact() async throws {
        let upstream = try await ScriptedUpstream.start(replies: [
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;ext=1\r\nhello\r\n8\r\n, chunks\r\n0\r\nX-Trailer: dropped\r\n\r\n",
        ])
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port])
        defer { Task { await proxy.stop(); await upstream.stop() } }

        let modern = try await RawClient.exchange(port: proxy.port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(modern.statusCode == 200)
        #expect(modern.text.contains("transfer-encoding: chunked\r\n") || modern.text.contains("Transfer-Encoding: chunked\r\n"))
        #expect(dechunked(modern.text) == "hello, chunks")
        #expect(!modern.text.contains("X-Trailer"))

        // HTTP/1.0 cannot take chunks: the body runs to the close.
        let old = try await RawClient.exchange(port: proxy.port, "GET / HTTP/1.0\r\nHost: a\r\n\r\n")
        #expect(old.statusCode == 200)
        #expect(old.text.hasSuffix("\r\n\r\nhello, chunks"))
        #expect(old.closedByServer)
    }

    @Test func informationalAnswersAreNotRelayed() async throws {
        let upstream = try await ScriptedUpstream.start(replies: [
            "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        ])
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port])
        defer { Task { await proxy.stop(); await upstream.stop() } }
        let reply = try await RawClient.exchange(port: proxy.port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(reply.text.hasPrefix("HTTP/1.1 200 OK\r\n"))
        // Not `contains("103")`: the random request id may hold those digits.
        #expect(!reply.text.contains("103 Early Hints") && !reply.text.contains("Link:"))
        #expect(reply.text.hasSuffix("\r\n\r\nok"))
    }

    /// A small body joins its head in one write (`ClientProxyHandler.coalescedBodyLimit`); around that limit and
    /// past it the client gets the same bytes.
    @Test func bodiesAroundTheCoalescingLimitAreRelayedWhole() async throws {
        let limit = ClientProxyHandler.coalescedBodyLimit
        let sizes = [0, 1, limit - 1, limit, limit + 1, 4 * limit + 3]
        let bodies = sizes.map { size in String((0..<size).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) }) }
        let upstream = try await ScriptedUpstream.start(replies: bodies.map {
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \($0.utf8.count)\r\n\r\n" + $0
        })
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port])
        defer { Task { await proxy.stop(); await upstream.stop() } }
        for body in bodies {
            let reply = try await RawClient.exchange(port: proxy.port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            #expect(reply.statusCode == 200)
            #expect(reply.text.contains("Content-Length: \(body.utf8.count)\r\n"))
            #expect(reply.text.hasSuffix("\r\n\r\n" + body))
        }
    }

    @Test func aBodyUpToTheUpstreamsCloseIsRelayedWhole() async throws {
        let upstream = try await ScriptedUpstream.start(replies: ["HTTP/1.0 200 OK\r\n\r\nuntil the very end"],
                                                        closeAfter: true)
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port])
        defer { Task { await proxy.stop(); await upstream.stop() } }
        let reply = try await RawClient.exchange(port: proxy.port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(reply.statusCode == 200)
        #expect(dechunked(reply.text) == "until the very end")
    }

    @Test func aHeadAnswerAnnouncesALengthAndTheConnectionGoesOn() async throws {
        let upstream = try await ScriptedUpstream.start(replies: [
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde",
        ])
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port])
        defer { Task { await proxy.stop(); await upstream.stop() } }
        let reply = try await RawClient.exchange(
            port: proxy.port, "HEAD / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        let answers = reply.text.components(separatedBy: "HTTP/1.1 200 OK\r\n").dropFirst()
        #expect(answers.count == 2)
        #expect(answers.first?.hasSuffix("\r\n\r\n") == true)  // the HEAD's answer: no body
        #expect(answers.last?.hasSuffix("\r\n\r\nabcde") == true)
        #expect(upstream.requests.count == 2)
    }

    @Test(arguments: [
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
        "HTTP/1.1 200 OK\r\nX-Folded: a\r\n b\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n",
        "NOT HTTP AT ALL\r\n\r\n",
    ])
    func anAmbiguousOrBrokenResponseIsA502(reply: String) async throws {
        let upstream = try await ScriptedUpstream.start(replies: [reply])
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port])
        defer { Task { await proxy.stop(); await upstream.stop() } }
        let answer = try await RawClient.exchange(port: proxy.port, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(answer.statusCode == 502)
        #expect(!answer.text.contains("hello"))
    }
}
