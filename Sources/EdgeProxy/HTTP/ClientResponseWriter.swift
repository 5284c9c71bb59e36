import EdgeCore
import NIOCore
import NIOHTTP1

/// Response heads as the client gets them, written straight into one buffer sized up front: no field list
/// is built for them and no encoder copies one. The rate-limit fields are rendered from the limiter's
/// decision (`RateLimitHeaders.write`), without a String per value.
///
/// The proxy writes every REST response as bytes, relayed and its own, so that it alone knows which request
/// a response answers (`ResponseFraming`: no body for HEAD).
enum ClientResponseWriter {
    /// The upstream's response head for the client: hop-by-hop fields dropped, the upstream's `X-Request-ID`
    /// replaced by the proxy's, framing fields as `framing` says, then the admission's fields (the
    /// `X-RateLimit-*` family, rendered into `scratch` first), the request id, and `Connection` for the client's
    /// side of keep-alive. The upstream's field lines are copied as bytes.
    static func relayedHead(
        _ head: UpstreamResponseHead, framing: ResponseFraming, clientVersion: HTTPVersion, keepAlive: Bool,
        admission: Admission, requestID: String, scratch: inout [UInt8], allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        render(admission, into: &scratch)
        var size = 128 + head.fields.readableBytes + scratch.count + requestID.utf8.count
        for (name, value) in admission.responseHeaders { size += name.utf8.count + value.utf8.count + 4 }
        var buffer = allocator.buffer(capacity: size)
        writeStatusLine(head.status, version: clientVersion, into: &buffer)
        head.forEachField { name, value in
            if HopByHopHeaders.isDropped(name, listed: head.listed) || HTTPWire.equalsIgnoringCase(name, "x-request-id")
                || (!framing.keepsContentLength && HTTPWire.equalsIgnoringCase(name, "content-length")) {
                return
            }
            buffer.writeBytes(name)
            buffer.writeStaticString(": ")
            buffer.writeBytes(value)
            buffer.writeStaticString("\r\n")
        }
        writeTail(framing: framing, rateLimit: scratch, admission: admission, own: [], requestID: requestID,
                  keepAlive: keepAlive, version: clientVersion, into: &buffer)
        return buffer
    }

    /// One of the proxy's own responses, head and body: JSON content type and length, then the same tail as a
    /// relayed head. `requestMethod` nil: no request was understood (the body goes out).
    static func localResponse(
        _ response: LocalResponse, requestMethod: HTTPMethod?, version: HTTPVersion, keepAlive: Bool,
        admission: Admission?, requestID: String, allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        let framing = ResponseFraming(status: response.status, requestMethod: requestMethod, version: version,
                                      hasContentLength: true)
        let rateLimit = admission.map(renderedRateLimit) ?? []
        let bodyLength = response.body.utf8.count
        var size = 160 + rateLimit.count + requestID.utf8.count + bodyLength
        for (name, value) in response.headers { size += name.utf8.count + value.utf8.count + 4 }
        for (name, value) in admission?.responseHeaders ?? [] { size += name.utf8.count + value.utf8.count + 4 }
        var buffer = allocator.buffer(capacity: size)
        writeStatusLine(response.status, version: version, into: &buffer)
        writeField("Content-Type", "application/json", into: &buffer)
        if framing.keepsContentLength { writeField("Content-Length", String(bodyLength), into: &buffer) }
        writeTail(framing: framing, rateLimit: rateLimit, admission: admission, own: response.headers,
                  requestID: requestID, keepAlive: keepAlive, version: version, into: &buffer)
        if !framing.suppressed { buffer.writeString(response.body) }
        return buffer
    }

    /// The interim `100 Continue` (RFC 9110 section 10.1.1), sent once the proxy has decided to relay a body.
    static func continueHead(version: HTTPVersion, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 32)
        writeStatusLine(.continue, version: version, into: &buffer)
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// `HTTP/1.1 200 OK` and CRLF, as NIO's encoder writes it.
    static func writeStatusLine(_ status: HTTPResponseStatus, version: HTTPVersion, into buffer: inout ByteBuffer) {
        buffer.writeStaticString("HTTP/")
        buffer.writeString(String(version.major))
        buffer.writeStaticString(".")
        buffer.writeString(String(version.minor))
        buffer.writeStaticString(" ")
        buffer.writeString(String(status.code))
        buffer.writeStaticString(" ")
        buffer.writeString(status.reasonPhrase)
        buffer.writeStaticString("\r\n")
    }

    @inline(__always)
    static func writeField(_ name: String, _ value: String, into buffer: inout ByteBuffer) {
        buffer.writeString(name)
        buffer.writeStaticString(": ")
        buffer.writeString(value)
        buffer.writeStaticString("\r\n")
    }

    /// The fields every response ends with, in the order NIO's encoder left them (its `transfer-encoding`
    /// last), and the blank line.
    private static func writeTail(
        framing: ResponseFraming, rateLimit: [UInt8], admission: Admission?, own: [(String, String)],
        requestID: String, keepAlive: Bool, version: HTTPVersion, into buffer: inout ByteBuffer
    ) {
        buffer.writeBytes(rateLimit)
        for (name, value) in admission?.responseHeaders ?? [] { writeField(name, value, into: &buffer) }
        for (name, value) in own { writeField(name, value, into: &buffer) }
        if !requestID.isEmpty { writeField("X-Request-ID", requestID, into: &buffer) }
        if !keepAlive {
            writeField("Connection", "close", into: &buffer)
        } else if version.major == 1, version.minor == 0 {
            writeField("Connection", "keep-alive", into: &buffer)
        }
        if framing.announcesChunked { writeField("transfer-encoding", "chunked", into: &buffer) }
        buffer.writeStaticString("\r\n")
    }

    /// The limiter's fields as `Name: value` lines (empty without a decision).
    private static func renderedRateLimit(_ admission: Admission) -> [UInt8] {
        var lines: [UInt8] = []
        render(admission, into: &lines)
        return lines
    }

    /// The limiter's fields as `Name: value` lines into `lines`, replacing what it held (its storage kept).
    private static func render(_ admission: Admission, into lines: inout [UInt8]) {
        lines.removeAll(keepingCapacity: true)
        guard let decision = admission.rateLimit else { return }
        lines.reserveCapacity(384)
        RateLimitHeaders.write(decision, into: &lines)
    }
}
