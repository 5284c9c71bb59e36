import NIOCore
import NIOHTTP1
import Testing

@testable import EdgeProxy

/// `HeadWriter`: the pieces land in order after what the buffer held, and the bounds the writers reserve hold
/// for the heads that stretch them most.
@Suite struct HeadWriterTests {
    private let allocator = ByteBufferAllocator()

    @Test func piecesAreAppendedAfterWhatTheBufferHeld() {
        var buffer = allocator.buffer(capacity: 4)
        buffer.writeStaticString("ab")
        HeadWriter.write(into: &buffer, bound: 64) { writer in
            writer.append("cd")
            writer.append("é" as String)
            writer.append([0x21, 0x3F])
            writer.field("Name", "value")
            for value in [0, 7, 10, 99, 100, 65_535, Int.max] {
                writer.appendDecimal(value)
                writer.append(" ")
            }
        }
        #expect(String(buffer: buffer) == "abcdé!?Name: value\r\n0 7 10 99 100 65535 9223372036854775807 ")
    }

    @Test func statusLinesAsNIOsEncoderWroteThem() {
        let cases: [(HTTPResponseStatus, HTTPVersion, String)] = [
            (.ok, .http1_1, "HTTP/1.1 200 OK\r\n"),
            (.notFound, .http1_0, "HTTP/1.0 404 Not Found\r\n"),
            (.networkAuthenticationRequired, HTTPVersion(major: 2, minor: 0),
             "HTTP/2.0 511 Network Authentication Required\r\n"),
            (HTTPResponseStatus(statusCode: 599), .http1_1, "HTTP/1.1 599 \r\n"),
        ]
        for (status, version, line) in cases {
            var buffer = allocator.buffer(capacity: 0)
            HeadWriter.write(into: &buffer, bound: HeadWriter.statusLineBound(status)) {
                $0.statusLine(status, version: version)
            }
            #expect(String(buffer: buffer) == line)
        }
    }

    /// Field lines without a space after the colon grow by one byte each as they are relayed: the bound of
    /// `relayedHead` counts on a field line being at least 4 bytes.
    @Test func relayedHeadsOfTheShortestFieldLinesFitTheirBound() {
        var fields = allocator.buffer(capacity: 0)
        for index in 0..<200 { fields.writeString("\(Character(UnicodeScalar(97 + index % 26)!)):\r\n") }
        fields.writeString("x:y\r\n")
        let head = UpstreamResponseHead(
            version: .http1_1, status: .ok, fields: fields, isKeepAlive: true, hasContentLength: false, listed: [])
        let framing = ResponseFraming(status: .ok, requestMethod: .GET, version: .http1_1, hasContentLength: false)
        let bytes = ClientResponseWriter.relayedHead(
            head, framing: framing, clientVersion: .http1_1, keepAlive: true, admission: .relay(),
            requestID: .given(String(repeating: "r", count: 200)), allocator: allocator)
        let text = String(buffer: bytes)
        #expect(text.hasPrefix("HTTP/1.1 200 OK\r\na: \r\nb: \r\n"))
        #expect(text.contains("x: y\r\n"))
        #expect(text.hasSuffix("X-Request-ID: \(String(repeating: "r", count: 200))\r\ntransfer-encoding: chunked\r\n\r\n"))
    }

    /// A trusted chain of many `X-Forwarded-For` fields is joined into one: the bound of `upstreamRequest` holds.
    @Test func forwardedRequestsWithLongChainsFitTheirBound() {
        var headers = HTTPHeaders()
        for index in 0..<100 { headers.add(name: "X-Forwarded-For", value: "10.0.0.\(index)") }
        headers.add(name: "X-Forwarded-Proto", value: "https")
        let head = HTTPRequestHead(version: .http1_1, method: .POST, uri: "/guilds", headers: headers)
        let bytes = ForwardedHeaders.upstreamRequest(
            head, peer: "203.0.113.7", peerTrusted: true, requestID: .given("id"), proto: "http", body: .none,
            allocator: allocator)
        let text = String(buffer: bytes)
        #expect(text.hasPrefix("POST /guilds HTTP/1.1\r\nX-Forwarded-Proto: https\r\nX-Forwarded-For: 10.0.0.0, 10.0.0.1, "))
        #expect(text.hasSuffix("10.0.0.99, 203.0.113.7\r\nX-Request-ID: id\r\nContent-Length: 0\r\n\r\n"))
    }
}
