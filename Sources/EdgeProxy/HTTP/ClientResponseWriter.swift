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
        // A field line may grow by one byte (the space after the colon), and is at least 4 bytes long (`x:` CRLF).
        let bound = HeadWriter.statusLineBound(head.status) + head.fields.readableBytes * 5 / 4 + 1
            + tailBound(rateLimit: scratch, admission: admission, own: [], requestID: requestID)
        var buffer = allocator.buffer(capacity: bound)
        HeadWriter.write(into: &buffer, bound: bound) { writer in
            writer.statusLine(head.status, version: clientVersion)
            head.forEachField { name, value in
                if HopByHopHeaders.isDropped(name, listed: head.listed) || HTTPWire.equalsIgnoringCase(name, "x-request-id")
                    || (!framing.keepsContentLength && HTTPWire.equalsIgnoringCase(name, "content-length")) {
                    return
                }
                writer.append(name)
                writer.append(": ")
                writer.append(value)
                writer.append("\r\n")
            }
            writeTail(framing: framing, rateLimit: scratch, admission: admission, own: [], requestID: requestID,
                      keepAlive: keepAlive, version: clientVersion, into: &writer)
        }
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
        // `Content-Type: application/json` and `Content-Length: ` with up to 20 digits, each with CRLF.
        let bound = HeadWriter.statusLineBound(response.status) + 32 + 38
            + tailBound(rateLimit: rateLimit, admission: admission, own: response.headers, requestID: requestID)
        var buffer = allocator.buffer(capacity: bound + bodyLength)
        HeadWriter.write(into: &buffer, bound: bound) { writer in
            writer.statusLine(response.status, version: version)
            writer.append("Content-Type: application/json\r\n")
            if framing.keepsContentLength {
                writer.append("Content-Length: ")
                writer.appendDecimal(bodyLength)
                writer.append("\r\n")
            }
            writeTail(framing: framing, rateLimit: rateLimit, admission: admission, own: response.headers,
                      requestID: requestID, keepAlive: keepAlive, version: version, into: &writer)
        }
        if !framing.suppressed { buffer.writeString(response.body) }
        return buffer
    }

    /// The interim `100 Continue` (RFC 9110 section 10.1.1), sent once the proxy has decided to relay a body.
    static func continueHead(version: HTTPVersion, allocator: ByteBufferAllocator) -> ByteBuffer {
        let bound = HeadWriter.statusLineBound(.continue) + 2
        var buffer = allocator.buffer(capacity: bound)
        HeadWriter.write(into: &buffer, bound: bound) { writer in
            writer.statusLine(.continue, version: version)
            writer.append("\r\n")
        }
        return buffer
    }

    /// The fields every response ends with, in the order NIO's encoder left them (its `transfer-encoding`
    /// last), and the blank line.
    private static func writeTail(
        framing: ResponseFraming, rateLimit: [UInt8], admission: Admission?, own: [(String, String)],
        requestID: String, keepAlive: Bool, version: HTTPVersion, into writer: inout HeadWriter
    ) {
        writer.append(rateLimit)
        for (name, value) in admission?.responseHeaders ?? [] { writer.field(name, value) }
        for (name, value) in own { writer.field(name, value) }
        if !requestID.isEmpty { writer.field("X-Request-ID", requestID) }
        if !keepAlive {
            writer.append("Connection: close\r\n")
        } else if version.major == 1, version.minor == 0 {
            writer.append("Connection: keep-alive\r\n")
        }
        if framing.announcesChunked { writer.append("transfer-encoding: chunked\r\n") }
        writer.append("\r\n")
    }

    /// An upper bound of `writeTail`'s length.
    private static func tailBound(
        rateLimit: [UInt8], admission: Admission?, own: [(String, String)], requestID: String
    ) -> Int {
        var size = rateLimit.count + requestID.utf8.count
            + 16 /* X-Request-ID: CRLF */ + 24 /* Connection: keep-alive CRLF */ + 28 /* transfer-encoding */ + 2
        for (name, value) in admission?.responseHeaders ?? [] { size += name.utf8.count + value.utf8.count + 4 }
        for (name, value) in own { size += name.utf8.count + value.utf8.count + 4 }
        return size
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
