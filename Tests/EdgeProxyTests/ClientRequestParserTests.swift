import EdgeMetrics
import NIOCore
import NIOHTTP1
import Testing

@testable import EdgeProxy

/// `ClientRequestParser`: requests read from bytes however they are split, pipelined ones in order, each head
/// with its framing verdict; malformed bytes and heads over the limits refused with the error that picks the
/// proxy's answer (400, 414, 431).
@Suite struct ClientRequestParserTests {
    private typealias ParseError = HTTPWire.ParseError

    private struct Request: Equatable {
        var line: String
        var headers: [String]
        var framing: String
        var body = ""
        var ended = false
    }

    private func parse(_ stream: String, chunk: Int = 0, maxHeaderSize: Int = 1024) throws -> [Request] {
        var parser = ClientRequestParser(maxHeaderSize: maxHeaderSize)
        var requests: [Request] = []
        var rest = ByteBuffer(string: stream)
        while rest.readableBytes > 0 {
            var read = rest.readSlice(length: chunk == 0 ? rest.readableBytes : min(chunk, rest.readableBytes))!
            while let part = try parser.next(&read) {
                switch part {
                case .head(let head, let framing):
                    let verdict: String
                    switch framing {
                    case .success(let body): verdict = "\(body)"
                    case .failure(let problem): verdict = "\(problem)"
                    }
                    requests.append(Request(line: "\(head.method.rawValue) \(head.uri) \(head.version)",
                                            headers: head.headers.map { "\($0.name): \($0.value)" }, framing: verdict))
                case .body(let bytes):
                    requests[requests.count - 1].body += String(buffer: bytes)
                case .end:
                    requests[requests.count - 1].ended = true
                }
            }
        }
        return requests
    }

    private func error(_ stream: String, chunk: Int = 0, maxHeaderSize: Int = 1024) -> ParseError? {
        do {
            _ = try parse(stream, chunk: chunk, maxHeaderSize: maxHeaderSize)
            return nil
        } catch {
            return error as? ParseError
        }
    }

    @Test(arguments: [0, 1, 2, 9])
    func pipelinedRequestsComeOutInOrderWithTheirBodies(chunk: Int) throws {
        let stream = "\r\nGET /users/@me HTTP/1.1\r\nHost: a\r\nAuthorization: t \r\n\r\n"
            + "POST /x?y=1 HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello"
            + "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;e=1\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n"
            + "FROBNICATE * HTTP/1.1\r\n\r\n"
        let requests = try parse(stream, chunk: chunk)
        #expect(requests == [
            Request(line: "GET /users/@me HTTP/1.1", headers: ["Host: a", "Authorization: t"], framing: "none",
                    ended: true),
            Request(line: "POST /x?y=1 HTTP/1.0", headers: ["Content-Length: 5"], framing: "length(5)", body: "hello",
                    ended: true),
            Request(line: "PUT /c HTTP/1.1", headers: ["Transfer-Encoding: chunked"], framing: "chunked",
                    body: "abcde", ended: true),
            Request(line: "FROBNICATE * HTTP/1.1", headers: [], framing: "none", ended: true),
        ])
    }

    /// The common methods are read from their bytes; every name comes out as NIO's `HTTPMethod(rawValue:)` has it,
    /// and the metrics class of each is the one its name gives.
    @Test func methodsReadFromBytesAreNIOsOwn() {
        let names = ["GET", "PUT", "POST", "HEAD", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PROPFIND",
                     "get", "GETS", "GE", "PUTT", "POSTS", "DELETES", "OPTION", "X"]
        for name in names {
            let method = Array(name.utf8).withUnsafeBytes { ClientRequestParser.method($0[...]) }
            #expect(method == HTTPMethod(rawValue: name), "\(name)")
            #expect(HTTPMethodClass(method) == HTTPMethodClass(name: method.rawValue), "\(name)")
        }
    }

    @Test func aHeadWhoseFramingIsRefusedIsTheLastThingRead() throws {
        let requests = try parse("POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 + "0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n", chunk: 4)
        #expect(requests.count == 1)
        #expect(requests.first?.framing == "contentLengthAndTransferEncoding")
        #expect(requests.first?.ended == false)
    }

    @Test(arguments: ["GARBAGE\r\n\r\n", "GET /\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "GET / HTTP/1.2\r\n\r\n",
                      "GET / HTTP/2.0\r\n\r\n", "GET /a b HTTP/1.1\r\n\r\n", "GET /\u{7F} HTTP/1.1\r\n\r\n",
                      "G(T / HTTP/1.1\r\n\r\n", " GET / HTTP/1.1\r\n\r\n", "GET / http/1.1\r\n\r\n"])
    func malformedRequestLinesAreRefused(stream: String) {
        #expect(error(stream) == .malformedStartLine)
    }

    @Test(arguments: ["GET / HTTP/1.1\r\nX-A: 1\r\n folded: x\r\n\r\n", "GET / HTTP/1.1\r\nX-A : 1\r\n\r\n",
                      "GET / HTTP/1.1\r\nX-A: 1\nX-B: 2\r\n\r\n", "GET / HTTP/1.1\nHost: a\r\n\r\n",
                      "GET / HTTP/1.1\r\nX-A: a\u{0}b\r\n\r\n", "GET / HTTP/1.1\r\nNo colon\r\n\r\n"])
    func malformedFieldsAreRefused(stream: String) {
        #expect(error(stream) == .malformedField)
    }

    @Test func malformedChunksAreRefused() {
        #expect(error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") == .invalidChunk)
        #expect(error("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n") == .invalidChunk)
    }

    @Test(arguments: [0, 7])
    func fieldsOverTheLimitAreTooLarge(chunk: Int) {
        let big = String(repeating: "x", count: 1100)
        #expect(error("GET / HTTP/1.1\r\nX-Big: \(big)\r\n\r\n", chunk: chunk) == .headTooLarge)
        let many = (0..<257).map { "X-\($0): 1\r\n" }.joined()
        #expect(error("GET / HTTP/1.1\r\n\(many)\r\n", chunk: chunk, maxHeaderSize: 64 * 1024) == .headTooLarge)
        // Never complete: refused once more than the limits allow is held.
        #expect(error("GET / HTTP/1.1\r\nX-Big: " + String(repeating: "y", count: 3000), chunk: chunk) == .headTooLarge)
    }

    @Test(arguments: [0, 100])
    func aRequestLineWithoutAnEndWithinTheLimitIsATargetTooLong(chunk: Int) {
        let target = "/" + String(repeating: "a", count: 1200)
        #expect(error("GET \(target)", chunk: chunk) == .uriTooLong)
    }

    @Test func aLongTargetThatEndsIsHandedOnForTheHandlerToRefuse() throws {
        // Within the buffer's bound the head is read; the handler answers 414 (and records the request).
        let target = "/" + String(repeating: "a", count: 1050)
        let requests = try parse("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(requests.first?.line == "GET \(target) HTTP/1.1")
    }

    @Test func nothingIsReadAfterAnError() throws {
        var parser = ClientRequestParser(maxHeaderSize: 1024)
        var bad = ByteBuffer(string: "BAD\r\n\r\n")
        #expect(throws: ParseError.malformedStartLine) { try parser.next(&bad) }
        var good = ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n")
        #expect(try parser.next(&good) == nil)
        #expect(good.readableBytes == 0)
    }
}
