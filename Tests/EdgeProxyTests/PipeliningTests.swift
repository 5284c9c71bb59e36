import EdgeCore
import NIOCore
import NIOHTTP1
import Testing

@testable import EdgeProxy

/// HTTP/1.1 pipelining (RFC 9112 section 9.3.2): requests sent back to back on one connection are answered
/// one at a time, in order, whatever each one's fate (relayed, rejected, slow).
@Suite struct PipeliningTests {
    private static let closing = "GET /last HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"

    /// Status codes and the echoed URIs, in the order the client received them.
    private static func responses(_ reply: RawClient.Reply) -> [(status: Int, uri: String?)] {
        reply.text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { part in
            let status = Int(part.prefix(3)) ?? 0
            let uri = part.range(of: #""uri":""#).map { found in
                String(part[found.upperBound...].prefix { $0 != "\"" })
            }
            return (status, uri)
        }
    }

    /// Relays everything but `uri`, which gets `response` (429 `{}` by default) with `fields`.
    private static func rejecting(
        _ uri: String, with response: LocalResponse = LocalResponse(status: .tooManyRequests, headers: [], body: "{}"),
        fields: [(name: String, value: String)] = []
    ) -> ClosureAdmitter {
        ClosureAdmitter { head, _ in
            head.uri == uri ? Admission(rejection: response, responseHeaders: fields) : .relay()
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let upstream = try await TestUpstream.start()
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port])
        let payload = "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
            + "POST /two HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
            + "GET /three HTTP/1.1\r\nHost: a\r\n\r\n" + Self.closing
        let reply = try await RawClient.exchange(port: proxy.port, payload)
        let got = Self.responses(reply)
        #expect(got.map(\.status) == [200, 200, 200, 200])
        #expect(got.map(\.uri) == ["/one", "/two", "/three", "/last"])
        #expect(upstream.requests.map(\.head.uri) == ["/one", "/two", "/three", "/last"])
        #expect(upstream.requests[1].bodyBytes == 5)
        #expect(reply.closedByServer)
        await proxy.stop(); await upstream.stop()
    }

    @Test func aRejectionBetweenPipelinedRequestsKeepsTheOrder() async throws {
        let upstream = try await TestUpstream.start()
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port], admitter: Self.rejecting("/reject"))
        let payload = "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
            + "POST /reject HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
            + "GET /three HTTP/1.1\r\nHost: a\r\n\r\n" + Self.closing
        let reply = try await RawClient.exchange(port: proxy.port, payload)
        let got = Self.responses(reply)
        #expect(got.map(\.status) == [200, 429, 200, 200])
        #expect(got.map(\.uri) == ["/one", nil, "/three", "/last"])
        #expect(upstream.requests.map(\.head.uri) == ["/one", "/three", "/last"])
        await proxy.stop(); await upstream.stop()
    }

    @Test func theProxysOwnAnswerToHEADHasItsFieldsButNoBody() async throws {
        let upstream = try await TestUpstream.start()
        let rejection = LocalResponse(status: .tooManyRequests, headers: [("Retry-After", "1")],
                                      body: "{\"message\": \"slow down\"}")
        let proxy = try await ProxyHarness.start(
            upstreamPorts: [upstream.port],
            admitter: Self.rejecting("/reject", with: rejection, fields: [(name: "X-RateLimit-Limit", value: "5")]))
        let payload = "HEAD /reject HTTP/1.1\r\nHost: a\r\nX-Request-ID: abc\r\n\r\n"
            + "GET /reject HTTP/1.1\r\nHost: a\r\nX-Request-ID: def\r\n\r\n" + Self.closing
        let reply = try await RawClient.exchange(port: proxy.port, payload)
        #expect(Self.responses(reply).map(\.status) == [429, 429, 200])
        let body = "{\"message\": \"slow down\"}"
        let fields = "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n"
            + "X-RateLimit-Limit: 5\r\nRetry-After: 1\r\n"
        // The HEAD answer ends with its blank line: the next bytes are the next response.
        #expect(reply.text.hasPrefix("HTTP/1.1 429 Too Many Requests\r\n" + fields + "X-Request-ID: abc\r\n\r\n"
            + "HTTP/1.1 429 Too Many Requests\r\n" + fields + "X-Request-ID: def\r\n\r\n" + body + "HTTP/1.1 200 OK"))
        #expect(upstream.requests.map(\.head.uri) == ["/last"])
        await proxy.stop(); await upstream.stop()
    }

    @Test func aRelayedResponseAfterTheProxysOwnAnswerToHEADKeepsItsBody() async throws {
        // NIO's response encoder pairs every response head with the request method it answers (a HEAD's
        // response gets no body): the proxy's own answers must go through it to keep the pairs in step.
        let upstream = try await TestUpstream.start()
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port], admitter: Self.rejecting("/reject"))
        let payload = "HEAD /reject HTTP/1.1\r\nHost: a\r\n\r\n" + "GET /one HTTP/1.1\r\nHost: a\r\n\r\n"
            + "GET /reject HTTP/1.1\r\nHost: a\r\n\r\n" + "HEAD /two HTTP/1.1\r\nHost: a\r\n\r\n" + Self.closing
        let reply = try await RawClient.exchange(port: proxy.port, payload)
        let got = Self.responses(reply)
        #expect(got.map(\.status) == [429, 200, 429, 200, 200])
        #expect(got.map(\.uri) == [nil, "/one", nil, nil, "/last"])
        #expect(upstream.requests.map(\.head.uri) == ["/one", "/two", "/last"])
        await proxy.stop(); await upstream.stop()
    }

    @Test func anHTTP10ClientKeepingTheConnectionIsToldSo() async throws {
        let upstream = try await TestUpstream.start()
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port], admitter: Self.rejecting("/reject"))
        let reply = try await RawClient.exchange(
            port: proxy.port, "GET /reject HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + "GET /reject HTTP/1.0\r\n\r\n")
        #expect(reply.text.hasPrefix("HTTP/1.0 429 Too Many Requests\r\n"))
        let answers = reply.text.components(separatedBy: "HTTP/1.0 429").dropFirst()
        #expect(answers.count == 2)
        #expect(answers.first?.contains("Connection: keep-alive\r\n") == true)
        #expect(answers.last?.contains("Connection: close\r\n") == true)
        #expect(reply.closedByServer)
        await proxy.stop(); await upstream.stop()
    }

    @Test func pipelinedRequestsWaitForASlowResponse() async throws {
        let upstream = try await TestUpstream.start(.delayed(.milliseconds(100)))
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port])
        let payload = String(repeating: "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n", count: 3) + Self.closing
        let reply = try await RawClient.exchange(port: proxy.port, payload)
        #expect(Self.responses(reply).map(\.status) == [200, 200, 200, 200])
        #expect(upstream.requestCount == 4)
        // One exchange at a time: the upstream never saw two of this client's requests at once.
        #expect(upstream.connectionCount == 1)
        await proxy.stop(); await upstream.stop()
    }

    @Test func anIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        let upstream = try await TestUpstream.start()
        // A second: a loaded CI machine may stall the loops for a few hundred milliseconds.
        let proxy = try await ProxyHarness.start(upstreamPorts: [upstream.port]) { $0.idleTimeout = .seconds(1) }
        let started = NIODeadline.now()
        let reply = try await RawClient.exchange(port: proxy.port, "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(reply.statusCode == 200)
        #expect(reply.closedByServer)
        #expect(NIODeadline.now() - started >= .seconds(1))
        // A connection that never sends a byte is closed too.
        let silent = try await RawClient.exchange(port: proxy.port, [])
        #expect(silent.closedByServer)
        #expect(silent.text.isEmpty)
        await proxy.stop(); await upstream.stop()
    }
}

/// The connection's timeouts as deadlines, without I/O.
@Suite struct ClientDeadlinesTests {
    private let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    private func deadlines() -> ClientDeadlines {
        ClientDeadlines(headerTimeout: .seconds(10), readTimeout: .seconds(60), idleTimeout: .seconds(30))
    }

    @Test func nothingPendingChecksAgainAfterTheShortestTimeout() {
        let d = deadlines()
        #expect(d.granularity == .seconds(10))
        #expect(d.expired(now: t0) == nil)
        #expect(d.nextCheck(now: t0) == t0 + .seconds(10))
    }

    @Test func eachDeadlineExpiresOnTime() {
        var d = deadlines()
        d.idleSince = t0
        #expect(d.expired(now: t0 + .seconds(29)) == nil)
        #expect(d.expired(now: t0 + .seconds(30)) == .idle)
        d.idleSince = nil
        d.upstreamActiveAt = t0
        #expect(d.expired(now: t0 + .seconds(59)) == nil)
        #expect(d.expired(now: t0 + .seconds(60)) == .upstreamRead)
        d.headStartedAt = t0 + .seconds(55)
        // The header timeout is reported first: it has a response of its own (408).
        #expect(d.expired(now: t0 + .seconds(65)) == .header)
    }

    @Test func theNextCheckIsTheEarliestPendingDeadlineWithinTheGranularity() {
        var d = deadlines()
        d.upstreamActiveAt = t0
        #expect(d.nextCheck(now: t0 + .seconds(55)) == t0 + .seconds(60))
        #expect(d.nextCheck(now: t0) == t0 + .seconds(10))
        d.headStartedAt = t0 + .seconds(1)
        #expect(d.nextCheck(now: t0 + .seconds(2)) == t0 + .seconds(11))
    }

    @Test func aDeadlineSetAfterArmingIsNeverBeforeTheArmedCheck() {
        // Why requests never re-arm the timer: any deadline set at or after the arming lies at or after it.
        var d = deadlines()
        d.idleSince = t0
        let armed = d.nextCheck(now: t0)
        for offset in [0, 1, 5, 9, 10] {
            let now = t0 + .seconds(Int64(offset))
            var later = d
            later.idleSince = nil
            later.headStartedAt = now
            #expect(later.earliest! >= armed)
            later.headStartedAt = nil
            later.upstreamActiveAt = now
            #expect(later.earliest! >= armed)
        }
    }
}
