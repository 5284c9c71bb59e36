import EdgeCore
import NIOCore
import NIOHTTP1
import Testing

@testable import EdgeProxy

/// `ClientResponseWriter` and `ResponseFraming`: the exact bytes of the heads the client gets, and the body
/// framing NIO's response encoder chose before the proxy wrote responses itself.
@Suite struct ClientResponseWriterTests {
    private let allocator = ByteBufferAllocator()

    private func text(_ buffer: ByteBuffer) -> String { String(buffer: buffer) }

    /// The relayed head as text.
    private func relayed(
        _ head: UpstreamResponseHead, _ framing: ResponseFraming, clientVersion: HTTPVersion = .http1_1,
        keepAlive: Bool = true, admission: Admission = .relay(), requestID: String = ""
    ) -> String {
        text(ClientResponseWriter.relayedHead(
            head, framing: framing, clientVersion: clientVersion, keepAlive: keepAlive, admission: admission,
            requestID: requestID.isEmpty ? .none : .given(requestID), allocator: allocator))
    }

    private struct NoHead: Error {}

    /// An upstream head as the proxy reads it (`UpstreamResponseParser`): `HTTP/1.1 <status>` and these fields.
    private func upstream(_ status: String, _ fields: [(String, String)]) throws -> UpstreamResponseHead {
        var parser = UpstreamResponseParser()
        parser.requestSent(.GET)
        var bytes = ByteBuffer(string: "HTTP/1.1 \(status)\r\n" + fields.map { "\($0.0): \($0.1)\r\n" }.joined() + "\r\n")
        guard case .head(let head)? = try parser.next(&bytes) else { throw NoHead() }
        return head
    }

    private func upstreamHead() throws -> UpstreamResponseHead {
        try upstream("200 OK", [
            ("Content-Type", "application/json"), ("Connection", "close, X-Internal"), ("X-Internal", "1"),
            ("X-Request-ID", "upstream-id"), ("Content-Length", "2"), ("Upgrade", "h2c"), ("Keep-Alive", "5"),
            ("Proxy-Connection", "keep-alive"), ("TE", "trailers"),
        ])
    }

    /// A decision of a real limiter: 4 of 5 left in a one-minute window.
    private var decision: RateLimitDecision {
        var rules = EdgeConfig.RateLimits()
        rules.global = RateLimitRule(name: "GLOBAL", limit: 1000, per: .seconds(1))
        rules.default = RateLimitRule(name: "users.create", limit: 5, per: .minutes(1))
        rules.routes = []
        let limiter = RateLimiter(rules: rules)
        let now: Int64 = 1_764_000_000_500_000_000
        return limiter.check(client: IPAddress("203.0.113.7")!, route: limiter.routes.defaultMatch, now: now)
    }

    /// The limiter's own rendering (pinned byte for byte in `RateLimitHeadersTests`).
    private func rendered(_ decision: RateLimitDecision) -> String {
        var bytes: [UInt8] = []
        RateLimitHeaders.write(decision, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func aRelayedHeadLosesHopByHopFieldsAndGainsTheProxysOwn() throws {
        let head = try upstreamHead()
        #expect(head.listed == ["x-internal"] && !head.isKeepAlive && head.carriesContentLength)
        let decision = self.decision
        let admission = Admission(rateLimit: decision, responseHeaders: [("X-Extra", "1")])
        let framing = ResponseFraming(status: .ok, requestMethod: .GET, version: .http1_1, hasContentLength: true)
        let expected = """
            HTTP/1.1 200 OK\r
            Content-Type: application/json\r
            Content-Length: 2\r
            \(rendered(decision))X-Extra: 1\r
            X-Request-ID: rid\r
            \r

            """
        #expect(relayed(head, framing, admission: admission, requestID: "rid") == expected)
        #expect(relayed(head, framing, requestID: "rid")
                == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nX-Request-ID: rid\r\n\r\n")
        #expect(rendered(decision).hasPrefix("X-RateLimit-Bucket: LIMITER/203.0.113.7/users.create/5/1/minute\r\n"))
    }

    @Test func connectionFieldsFollowTheClientsSideOfKeepAlive() throws {
        let head = try upstream("201 Created", [("Content-Length", "0")])
        let framing = ResponseFraming(status: .created, requestMethod: .POST, version: .http1_1, hasContentLength: true)
        let closing = relayed(head, framing, keepAlive: false, requestID: "r")
        #expect(closing == "HTTP/1.1 201 Created\r\nContent-Length: 0\r\nX-Request-ID: r\r\nConnection: close\r\n\r\n")
        let old = relayed(head, framing, clientVersion: .http1_0, requestID: "r")
        #expect(old == "HTTP/1.0 201 Created\r\nContent-Length: 0\r\nX-Request-ID: r\r\nConnection: keep-alive\r\n\r\n")
    }

    @Test func aBodyWithoutLengthIsChunkedForHTTP11AndRunsToTheCloseForHTTP10() throws {
        let head = try upstream("200 OK", [("Transfer-Encoding", "chunked")])
        let chunked = ResponseFraming(status: .ok, requestMethod: .GET, version: .http1_1, hasContentLength: false)
        #expect(chunked.chunked && chunked.announcesChunked && !chunked.suppressed)
        let written = relayed(head, chunked)
        #expect(written == "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        let untilClose = ResponseFraming(status: .ok, requestMethod: .GET, version: .http1_0, hasContentLength: false)
        #expect(!untilClose.chunked && !untilClose.announcesChunked && !untilClose.suppressed)
    }

    @Test func framingFollowsTheMethodAndTheStatus() {
        // HEAD: the head says what a GET would get, no body goes out.
        let head = ResponseFraming(status: .ok, requestMethod: .HEAD, version: .http1_1, hasContentLength: false)
        #expect(head.suppressed && head.announcesChunked && !head.chunked && head.keepsContentLength)
        let headWithLength = ResponseFraming(status: .ok, requestMethod: .HEAD, version: .http1_1, hasContentLength: true)
        #expect(headWithLength.suppressed && !headWithLength.announcesChunked && headWithLength.keepsContentLength)
        // Statuses without a body, and CONNECT: no framing fields at all.
        for status in [HTTPResponseStatus.noContent, .notModified, .continue] {
            let framing = ResponseFraming(status: status, requestMethod: .GET, version: .http1_1, hasContentLength: true)
            #expect(!framing.keepsContentLength && !framing.announcesChunked && !framing.chunked)
        }
        let connect = ResponseFraming(status: .ok, requestMethod: .CONNECT, version: .http1_1, hasContentLength: true)
        #expect(connect.suppressed && !connect.keepsContentLength && !connect.announcesChunked)
        // No request understood (a malformed one): the body goes out.
        let none = ResponseFraming(status: .badRequest, requestMethod: nil, version: .http1_1, hasContentLength: true)
        #expect(!none.suppressed && none.keepsContentLength)
    }

    @Test func aNotModifiedResponseLosesItsContentLength() throws {
        let head = try upstream("304 Not Modified", [("ETag", "\"v1\""), ("content-length", "12")])
        let framing = ResponseFraming(status: .notModified, requestMethod: .GET, version: .http1_1, hasContentLength: true)
        let written = relayed(head, framing)
        #expect(written == "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n")
    }

    /// A `Content-Length` the upstream's `Connection` field names is dropped as hop-by-hop: the body is then
    /// chunked, never sent unframed on a keep-alive connection.
    @Test func aLengthTheConnectionFieldDropsDoesNotFrameTheBody() throws {
        let head = try upstream("200 OK", [("Connection", "Content-Length"), ("Content-Length", "2")])
        #expect(!head.carriesContentLength)
        #expect(try upstream("200 OK", [("Content-Length", "2")]).carriesContentLength)
        let framing = ResponseFraming(status: .ok, requestMethod: .GET, version: .http1_1,
                                      hasContentLength: head.carriesContentLength)
        let written = relayed(head, framing)
        #expect(written == "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        #expect(framing.chunked)
    }

    @Test func chunkSizeLinesAreLowercaseHex() {
        for (count, line) in [(1, "1"), (15, "f"), (16, "10"), (255, "ff"), (4096, "1000"), (0xABCDE, "abcde")] {
            #expect(text(ResponseFraming.chunkSizeLine(count, allocator: allocator)) == line + "\r\n")
        }
    }

    @Test func aLocalResponseIsOneBufferWithoutItsBodyForHEAD() {
        let response = LocalResponse.error(.notFound, "Nope.")
        let get = ClientResponseWriter.localResponse(response, requestMethod: .GET, version: .http1_1, keepAlive: true,
                                                     admission: .relay(headers: [("X-A", "b")]), requestID: .given("rid"),
                                                     allocator: allocator)
        let body = #"{"code": 404, "message": "Nope."}"#
        let expectedHead = """
            HTTP/1.1 404 Not Found\r
            Content-Type: application/json\r
            Content-Length: \(body.utf8.count)\r
            X-A: b\r
            X-Request-ID: rid\r
            \r

            """
        #expect(text(get) == expectedHead + body)
        let head = ClientResponseWriter.localResponse(response, requestMethod: .HEAD, version: .http1_1, keepAlive: true,
                                                      admission: .relay(headers: [("X-A", "b")]), requestID: .given("rid"),
                                                      allocator: allocator)
        #expect(text(head) == expectedHead)
    }

    @Test func closingBytesAnswerWithoutAnyRequestContext() {
        let bytes = LocalResponse.headersTimedOut.closingBytes(allocator: allocator)
        let body = #"{"code": 408, "message": "The request headers did not arrive in time."}"#
        #expect(text(bytes) == """
            HTTP/1.1 408 Request Timeout\r
            Content-Type: application/json\r
            Content-Length: \(body.utf8.count)\r
            Connection: close\r
            \r
            \(body)
            """)
    }

    @Test func theInterimContinueIsAStatusLineAlone() {
        #expect(text(ClientResponseWriter.continueHead(version: .http1_1, allocator: allocator))
                    == "HTTP/1.1 100 Continue\r\n\r\n")
    }
}
