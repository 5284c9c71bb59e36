import EdgeCore
import NIOCore
import NIOHTTP1

/// Response heads as the client gets them, written straight into one buffer sized up front: no field list
/// is built for them and no encoder copies one. The rate-limit fields are rendered from the limiter's
/// decision straight into the head (`RateLimitHeaders.write`), without a String per value.
///
/// The proxy writes every REST response as bytes, relayed and its own, so that it alone knows which request
/// a response answers (`ResponseFraming`: no body for HEAD).
enum ClientResponseWriter {
    /// The upstream's response head for the client: hop-by-hop fields dropped, the upstream's `X-Request-ID`
    /// replaced by the proxy's, framing fields as `framing` says, then the admission's fields (the
    /// `X-RateLimit-*` family), the request id, and `Connection` for the client's side of keep-alive. The
    /// upstream's field lines are copied as bytes. `spare`: bytes of room kept after the head (for a body that
    /// may follow it in the same write). The buffer comes from `buffers` when given.
    static func relayedHead(
        _ head: UpstreamResponseHead, framing: ResponseFraming, clientVersion: HTTPVersion, keepAlive: Bool,
        admission: Admission, requestID: RequestID, allocator: ByteBufferAllocator, spare: Int = 0,
        buffers: HeadBufferCache? = nil
    ) -> ByteBuffer {
        // A field line may grow by one byte (the space after the colon), and is at least 4 bytes long (`x:` CRLF).
        let bound = HeadWriter.statusLineBound(head.status) + head.fields.readableBytes * 5 / 4 + 1
            + tailBound(admission: admission, own: [], requestID: requestID)
        var buffer = HeadBufferCache.take(.response, capacity: bound + spare, from: buffers, allocator: allocator)
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
            writeTail(framing: framing, admission: admission, own: [], requestID: requestID, keepAlive: keepAlive,
                      version: clientVersion, into: &writer)
        }
        return buffer
    }

    /// One of the proxy's own responses, head and body: JSON content type and length, then the same tail as a
    /// relayed head. `requestMethod` nil: no request was understood (the body goes out).
    static func localResponse(
        _ response: LocalResponse, requestMethod: HTTPMethod?, version: HTTPVersion, keepAlive: Bool,
        admission: Admission?, requestID: RequestID, allocator: ByteBufferAllocator
    ) -> ByteBuffer {
        let framing = ResponseFraming(status: response.status, requestMethod: requestMethod, version: version,
                                      hasContentLength: true)
        let bodyLength = response.body.utf8.count
        // `Content-Type: application/json` and `Content-Length: ` with up to 20 digits, each with CRLF.
        let bound = HeadWriter.statusLineBound(response.status) + 32 + 38
            + tailBound(admission: admission, own: response.headers, requestID: requestID)
        var buffer = allocator.buffer(capacity: bound + bodyLength)
        HeadWriter.write(into: &buffer, bound: bound) { writer in
            writer.statusLine(response.status, version: version)
            writer.append("Content-Type: application/json\r\n")
            if framing.keepsContentLength {
                writer.append("Content-Length: ")
                writer.appendDecimal(bodyLength)
                writer.append("\r\n")
            }
            writeTail(framing: framing, admission: admission, own: response.headers, requestID: requestID,
                      keepAlive: keepAlive, version: version, into: &writer)
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
        framing: ResponseFraming, admission: Admission?, own: [(String, String)],
        requestID: RequestID, keepAlive: Bool, version: HTTPVersion, into writer: inout HeadWriter
    ) {
        if let decision = admission?.rateLimit {
            writer.appendInPlace(maxCount: RateLimitHeaders.maxLength(decision)) { RateLimitHeaders.write(decision, into: $0) }
        }
        for (name, value) in admission?.responseHeaders ?? [] { writer.field(name, value) }
        for (name, value) in own { writer.field(name, value) }
        requestID.writeField(into: &writer)
        if !keepAlive {
            writer.append("Connection: close\r\n")
        } else if version.major == 1, version.minor == 0 {
            writer.append("Connection: keep-alive\r\n")
        }
        if framing.announcesChunked { writer.append("transfer-encoding: chunked\r\n") }
        writer.append("\r\n")
    }

    /// An upper bound of `writeTail`'s length.
    private static func tailBound(admission: Admission?, own: [(String, String)], requestID: RequestID) -> Int {
        var size = (admission?.rateLimit.map { RateLimitHeaders.maxLength($0) } ?? 0) + requestID.utf8Count
            + 16 /* X-Request-ID: CRLF */ + 24 /* Connection: keep-alive CRLF */ + 28 /* transfer-encoding */ + 2
        for (name, value) in admission?.responseHeaders ?? [] { size += name.utf8.count + value.utf8.count + 4 }
        for (name, value) in own { size += name.utf8.count + value.utf8.count + 4 }
        return size
    }
}
