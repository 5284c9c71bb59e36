import NIOCore
import NIOHTTP1
import Testing

@testable import EdgeProxy

/// `UpstreamResponseParser`: an upstream's responses read from bytes however they are split, with the framing
/// rules of RFC 9112 and a refusal for everything that could make two readers disagree on where a response ends.
@Suite struct UpstreamResponseParserTests {
    private typealias ParseError = UpstreamResponseParser.ParseError

    /// One response as the parser reported it.
    private struct Response: Equatable {
        var status: Int
        var version: HTTPVersion
        var headers: [String]  // "Name: value"
        var body: String
        var ended: Bool
    }

    /// Feeds `stream` in pieces of `chunk` bytes (0: all at once) after sending requests with `methods`, then
    /// ends the input when `close`; returns every response seen.
    private func parse(_ stream: String, methods: [HTTPMethod] = [.GET], chunk: Int = 0, close: Bool = false)
        throws -> [Response]
    {
        var parser = UpstreamResponseParser(maxHeadSize: 1024)
        for method in methods { parser.requestSent(method) }
        var responses: [Response] = []
        func take(_ part: UpstreamResponsePart) {
            switch part {
            case .head(let head):
                var fields: [String] = []
                head.forEachField { name, value in
                    fields.append(String(decoding: name, as: UTF8.self) + ": " + String(decoding: value, as: UTF8.self))
                }
                responses.append(Response(status: Int(head.status.code), version: head.version, headers: fields,
                                          body: "", ended: false))
            case .body(let bytes):
                responses[responses.count - 1].body += String(buffer: bytes)
            case .end:
                responses[responses.count - 1].ended = true
            }
        }
        var rest = ByteBuffer(string: stream)
        while rest.readableBytes > 0 {
            var read = rest.readSlice(length: chunk == 0 ? rest.readableBytes : min(chunk, rest.readableBytes))!
            while let part = try parser.next(&read) { take(part) }
            #expect(read.readableBytes == 0)
        }
        if close, let part = try parser.inputEnded() { take(part) }
        return responses
    }

    private func error(_ stream: String, methods: [HTTPMethod] = [.GET], close: Bool = false) -> ParseError? {
        do {
            _ = try parse(stream, methods: methods, close: close)
            return nil
        } catch let error as ParseError {
            return error
        } catch {
            return nil
        }
    }

    @Test(arguments: [0, 1, 3, 7])
    func aLengthDelimitedResponse(chunk: Int) throws {
        let responses = try parse("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n"
                                  + "X-Empty:\r\nX-Padded: \t a b \t\r\n\r\n{\"ok\":true}", chunk: chunk)
        #expect(responses == [Response(
            status: 200, version: .http1_1,
            headers: ["Content-Type: application/json", "Content-Length: 11", "X-Empty: ", "X-Padded: a b"],
            body: "{\"ok\":true}", ended: true)])
    }

    @Test(arguments: [0, 1, 2, 5])
    func aChunkedBodyComesOutDechunked(chunk: Int) throws {
        let stream = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5\r\nhello\r\nA;name=value\r\n, world!!!\r\n000\r\nX-Trailer: t\r\n\r\n"
        let responses = try parse(stream, chunk: chunk)
        #expect(responses.count == 1)
        #expect(responses.first?.status == 201)
        #expect(responses.first?.body == "hello, world!!!")
        #expect(responses.first?.ended == true)
    }

    @Test func responsesFollowEachOtherOnOneConnectionPairedWithTheirMethods() throws {
        // A HEAD's answer announces a length and carries no body; the GET after it has its own.
        let stream = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
            + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde"
            + "HTTP/1.1 204 No Content\r\n\r\n"
            + "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n"
        for chunk in [0, 1, 4] {
            let responses = try parse(stream, methods: [.HEAD, .GET, .DELETE, .GET], chunk: chunk)
            #expect(responses.map(\.status) == [200, 200, 204, 304])
            #expect(responses.map(\.body) == ["", "abcde", "", ""])
            #expect(responses.allSatisfy { $0.ended })
        }
    }

    @Test func informationalResponsesAreDropped() throws {
        let responses = try parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                                  + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", chunk: 5)
        #expect(responses.map(\.status) == [200])
        #expect(responses.first?.body == "ok")
    }

    @Test func withoutALengthTheBodyEndsWithTheConnection() throws {
        for head in ["HTTP/1.0 200 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"] {
            let open = try parse(head + "all of it", chunk: 3)
            #expect(open.first?.body == "all of it")
            #expect(open.first?.ended == false)
            let closed = try parse(head + "all of it", close: true)
            #expect(closed.first?.body == "all of it")
            #expect(closed.first?.ended == true)
            #expect(closed.first?.version == (head.hasPrefix("HTTP/1.0") ? .http1_0 : .http1_1))
        }
    }

    @Test func aListOfEqualLengthsIsOneLength() throws {
        let responses = try parse("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\ncontent-length: 3\r\n\r\nabc")
        #expect(responses.first?.body == "abc")
        #expect(responses.first?.ended == true)
    }

    @Test func aConnectionEndingMidResponseIsTruncated() {
        #expect(error("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", close: true) == .truncated)
        #expect(error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", close: true) == .truncated)
    }

    @Test func aConnectionEndingBetweenResponsesOrInAHeadGivesNothing() throws {
        #expect(try parse("", close: true).isEmpty)
        #expect(try parse("HTTP/1.1 200 OK\r\nContent-Le", close: true).isEmpty)
    }

    @Test func bytesNobodyAskedForAreRefused() {
        #expect(error("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", methods: []) == .unsolicited)
        // A complete response, then more than was asked for.
        #expect(error("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nabHTTP/1.1 200 OK\r\n\r\n") == .unsolicited)
    }

    @Test func anUpgradeNobodyAskedForIsRefused() {
        #expect(error("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n")
                == .unexpectedUpgrade)
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", "length and chunked"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", "chunked not last"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", "chunked twice"),
        ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip,,chunked\r\n\r\n", "an empty coding"),
    ])
    func ambiguousTransferCodingsAreRefused(stream: String, what: String) {
        #expect(error(stream) == .invalidTransferEncoding, "\(what)")
    }

    @Test(arguments: [
        "HTTP/1.1 200 OK\r\nContent-Length: 3, 4\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1234567890123456789\r\n\r\n",
    ])
    func badLengthsAreRefused(stream: String) {
        #expect(error(stream) == .invalidContentLength)
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\nX-A: 1\r\n folded: x\r\n\r\n", "obs-fold"),
        ("HTTP/1.1 200 OK\r\nX-A : 1\r\n\r\n", "space before the colon"),
        ("HTTP/1.1 200 OK\r\n: 1\r\n\r\n", "an empty name"),
        ("HTTP/1.1 200 OK\r\nX-A 1\r\n\r\n", "no colon"),
        ("HTTP/1.1 200 OK\r\nX-A: a\u{1}b\r\n\r\n", "a control byte in a value"),
        ("HTTP/1.1 200 OK\r\nX-A: 1\nX-B: 2\r\n\r\n", "a bare LF"),
        ("HTTP/1.1 200 OK\r\nX(A): 1\r\n\r\n", "a separator in a name"),
    ])
    func malformedFieldsAreRefused(stream: String, what: String) {
        #expect(error(stream) == .malformedField, "\(what)")
    }

    @Test(arguments: ["HTTP/2 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n", "ICY 200 OK\r\n\r\n", "HTTP/1.1 200OK\r\n\r\n",
                      "HTTP/1.1 600 Odd\r\n\r\n", "HTTP/1.1 099 Odd\r\n\r\n", "http/1.1 200 OK\r\n\r\n",
                      "HTTP/1.1 200 O\u{7F}K\r\n\r\n"])
    func malformedStatusLinesAreRefused(stream: String) {
        #expect(error(stream) == .malformedStartLine)
    }

    @Test func aStatusLineWithoutAReasonIsFine() throws {
        #expect(try parse("HTTP/1.1 404\r\nContent-Length: 0\r\n\r\n").map(\.status) == [404])
        #expect(try parse("HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n").map(\.status) == [404])
    }

    @Test(arguments: [
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;ext\r\n",
    ])
    func malformedChunksAreRefused(stream: String) {
        #expect(error(stream) == .invalidChunk)
    }

    @Test func headsAndChunkLinesAreBounded() {
        let longHead = "HTTP/1.1 200 OK\r\nX-Long: " + String(repeating: "a", count: 2000)
        #expect(error(longHead) == .headTooLarge)
        let longLine = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "e", count: 2000)
        #expect(error(longLine) == .headTooLarge)
    }

    @Test(arguments: [
        ("HTTP/1.1 200 OK\r\n\r\n", true, [String]()),
        ("HTTP/1.1 200 OK\r\nConnection: Close\r\n\r\n", false, []),
        ("HTTP/1.0 200 OK\r\n\r\n", false, []),
        ("HTTP/1.0 200 OK\r\nConnection: keep-alive, X-Secret\r\nconnection: ,te \r\n\r\n", true, ["x-secret", "te"]),
    ])
    func keepAliveAndTheFieldsConnectionListsAreRead(head: String, keepAlive: Bool, listed: [String]) throws {
        var parser = UpstreamResponseParser()
        parser.requestSent(.HEAD)
        var bytes = ByteBuffer(string: head)
        guard case .head(let parsed)? = try parser.next(&bytes) else {
            Issue.record("no head")
            return
        }
        #expect(parsed.isKeepAlive == keepAlive)
        #expect(parsed.listed == listed)
        #expect(!parsed.hasContentLength)
    }

    @Test func theConnectionIsIdleOnlyBetweenAnsweredRequests() throws {
        var parser = UpstreamResponseParser()
        #expect(parser.isIdle)
        parser.requestSent(.GET)
        #expect(!parser.isIdle)
        var bytes = ByteBuffer(string: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\no")
        while try parser.next(&bytes) != nil {}
        #expect(!parser.isIdle)
        bytes = ByteBuffer(string: "k")
        while try parser.next(&bytes) != nil {}
        #expect(parser.isIdle)
    }
}
