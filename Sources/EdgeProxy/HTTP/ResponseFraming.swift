import NIOCore
import NIOHTTP1

/// How one response's body goes to the client, decided from its head the way NIO's response encoder
/// decides it (the proxy writes responses as bytes itself: `ClientResponseWriter`):
///
/// - a response to HEAD or CONNECT sends no body, whatever its head announces;
/// - a status without a body (1xx, 204, 304) and an answer to CONNECT carry no framing fields;
/// - otherwise the head's `Content-Length` frames the body; without one an HTTP/1.1 client gets it
///   chunked, and an HTTP/1.0 client gets it until the connection closes.
///
/// `Transfer-Encoding` never comes from upstream (it is hop-by-hop: each side is framed on its own).
struct ResponseFraming: Equatable {
    /// The head's `Content-Length` field goes out.
    let keepsContentLength: Bool
    /// The head announces `transfer-encoding: chunked`.
    let announcesChunked: Bool
    /// Body bytes go out as chunks (`size CRLF bytes CRLF`, then `0 CRLF CRLF`).
    let chunked: Bool
    /// No body bytes go out.
    let suppressed: Bool
    /// Body bytes go out as they are: neither chunked nor suppressed (so they may share a write with the head).
    var bodyGoesAsIs: Bool { !chunked && !suppressed }

    /// Between responses: nothing to frame.
    static let none = ResponseFraming(keepsContentLength: true, announcesChunked: false, chunked: false,
                                      suppressed: false)

    private init(keepsContentLength: Bool, announcesChunked: Bool, chunked: Bool, suppressed: Bool) {
        self.keepsContentLength = keepsContentLength
        self.announcesChunked = announcesChunked
        self.chunked = chunked
        self.suppressed = suppressed
    }

    /// - Parameters:
    ///   - requestMethod: the method of the request answered; nil when there was none (a malformed request).
    ///   - hasContentLength: the head carries a `Content-Length` field.
    init(status: HTTPResponseStatus, requestMethod: HTTPMethod?, version: HTTPVersion, hasContentLength: Bool) {
        let connect = requestMethod == .CONNECT
        suppressed = connect || requestMethod == .HEAD
        if connect || !status.mayHaveResponseBody {
            keepsContentLength = false
            announcesChunked = false
        } else {
            keepsContentLength = true
            announcesChunked = !hasContentLength && version.major == 1 && version.minor >= 1
        }
        chunked = announcesChunked && !suppressed
    }

    /// The chunk-size line that goes before `count` body bytes: lowercase hex, CRLF.
    static func chunkSizeLine(_ count: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        var line = allocator.buffer(capacity: 18)
        let digits = max(1, (Int.bitWidth - count.leadingZeroBitCount + 3) / 4)
        for shift in stride(from: 4 * (digits - 1), through: 0, by: -4) {
            let nibble = UInt8((count >> shift) & 0xF)
            line.writeInteger(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
        }
        line.writeStaticString("\r\n")
        return line
    }

    /// Ends a chunk's bytes.
    static let chunkEnd = ByteBuffer(string: "\r\n")
    /// The last chunk, without trailers.
    static let lastChunk = ByteBuffer(string: "0\r\n\r\n")
}
