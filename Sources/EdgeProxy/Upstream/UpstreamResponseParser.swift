import NIOCore
import NIOHTTP1

/// Reads a pooled upstream connection's HTTP/1.1 responses (RFC 9112) from the bytes as they arrive, in place of
/// NIO's response decoder: no llhttp callbacks and no pipeline hop per part. Bodies come out as slices of the bytes
/// read, de-chunked; the client side frames them again (`ResponseFraming`).
///
/// Strict wherever a lenient reading could let the proxy and a client disagree on where a response ends:
/// `Content-Length` together with `Transfer-Encoding`, lengths that disagree, a coding after `chunked`, folded
/// lines, bare LF, control bytes in a field. Informational (1xx) responses are dropped, as NIO's decoder does by
/// default; the proxy never asks for an upgrade, so a 101 is an error. An error leaves the connection unusable.
struct UpstreamResponseParser {
    typealias ParseError = HTTPWire.ParseError

    /// The longest head (status line and fields), and the longest chunk-size or trailer line.
    let maxHeadSize: Int
    /// The body under way; nil between responses.
    private var body: MessageBodyReader?
    /// Methods of the requests sent and not yet answered, oldest first (a HEAD's response has no body).
    private var awaiting = CircularBuffer<HTTPMethod>(initialCapacity: 2)
    /// The start of a head that has not arrived whole.
    private var carried: ByteBuffer?

    init(maxHeadSize: Int = 80 * 1024) {
        self.maxHeadSize = maxHeadSize
    }

    /// A request with this method was written to the connection.
    mutating func requestSent(_ method: HTTPMethod) {
        awaiting.append(method)
    }

    /// Whether the connection is between responses with nothing awaited (so it may go back to its pool).
    var isIdle: Bool { body == nil && awaiting.isEmpty && carried == nil }

    /// The next part of a response from `input` (consumed as far as it goes); nil when `input` holds no more.
    mutating func next(_ input: inout ByteBuffer) throws -> UpstreamResponsePart? {
        guard body != nil else { return try nextHead(&input) }
        return try MessageBodyReader.nextPart(of: &body, &input, body: UpstreamResponsePart.body, end: .end)
    }

    /// The connection ended: the end of a body delimited by the close, nil between responses (or in a head: the
    /// exchange fails for want of a response), or an error (a body cut short).
    mutating func inputEnded() throws -> UpstreamResponsePart? {
        carried = nil
        guard body != nil else { return nil }
        _ = try body!.inputEnded()
        body = nil
        return .end
    }

    private mutating func nextHead(_ input: inout ByteBuffer) throws -> UpstreamResponsePart? {
        while true {
            guard input.readableBytes > 0 || carried != nil else { return nil }
            guard let method = awaiting.first else { throw ParseError.unsolicited }
            guard let head = try HTTPWire.takeHead(&input, carried: &carried, limit: maxHeadSize) else { return nil }
            let parsed = try head.withUnsafeReadableBytes { try Self.parseHead($0) }
            switch parsed.status {
            case 101:
                throw ParseError.unexpectedUpgrade
            case 100..<200:
                continue  // informational: the final response follows
            default:
                break
            }
            awaiting.removeFirst()
            let framing: MessageBodyReader.Framing
            if method == .HEAD || parsed.status == 204 || parsed.status == 304 {
                framing = .length(0)
            } else if parsed.chunked {
                framing = .chunked
            } else if let length = parsed.contentLength {
                framing = .length(length)
            } else {
                framing = .untilClose
            }
            body = MessageBodyReader(framing, lineLimit: maxHeadSize)
            return .head(UpstreamResponseHead(
                version: parsed.version, status: HTTPResponseStatus(statusCode: parsed.status),
                fields: head.getSlice(at: head.readerIndex + parsed.fields.lowerBound, length: parsed.fields.count)!,
                isKeepAlive: parsed.version.minor == 0 ? parsed.connection.keepAlive : !parsed.connection.close,
                hasContentLength: parsed.contentLength != nil, listed: parsed.connection.listed
            ))
        }
    }

    struct ParsedHead {
        var version: HTTPVersion
        var status: Int
        /// Where the field lines are in the head's bytes.
        var fields: Range<Int>
        var contentLength: Int?
        var chunked: Bool
        var connection: ConnectionTokens
    }

    /// The tokens of the `Connection` fields.
    struct ConnectionTokens {
        var close = false
        var keepAlive = false
        /// The others, lowercased: field names that are hop-by-hop for this message.
        var listed: [String] = []

        mutating func add(_ value: HTTPWire.Bytes) {
            HTTPWire.forEachListElement(value) { token in
                if HTTPWire.equalsIgnoringCase(token, "close") {
                    close = true
                } else if HTTPWire.equalsIgnoringCase(token, "keep-alive") {
                    keepAlive = true
                } else if !token.isEmpty {
                    listed.append(String(decoding: token, as: UTF8.self).lowercased())
                }
            }
        }
    }

    /// Parses a head that ends with its blank line.
    static func parseHead(_ bytes: UnsafeRawBufferPointer) throws -> ParsedHead {
        var lines = HTTPWire.LineReader(bytes)
        guard let statusLine = try lines.next() else { throw ParseError.malformedStartLine }
        let (version, status) = try Self.statusLine(statusLine)
        let fieldsStart = statusLine.endIndex + 2
        var fieldsEnd = fieldsStart
        var length: Int?
        var codings = HTTPWire.Codings()
        var connection = ConnectionTokens()
        while let line = try lines.next(), !line.isEmpty {
            let (name, value) = try HTTPWire.field(line)
            if HTTPWire.equalsIgnoringCase(name, "content-length") {
                length = try HTTPWire.contentLength(value, previous: length)
            } else if HTTPWire.equalsIgnoringCase(name, "transfer-encoding") {
                try codings.add(value)
            } else if HTTPWire.equalsIgnoringCase(name, "connection") {
                connection.add(value)
            }
            fieldsEnd = line.endIndex + 2
        }
        if codings.count > 0 {
            // RFC 9112 6.3: with a length as well the framing is ambiguous. Without chunked last, the body runs to
            // the close.
            guard length == nil, codings.chunked == 0 || (codings.chunked == 1 && codings.lastIsChunked)
            else { throw ParseError.invalidTransferEncoding }
        }
        return ParsedHead(version: version, status: status, fields: fieldsStart..<fieldsEnd, contentLength: length,
                          chunked: codings.lastIsChunked, connection: connection)
    }

    /// `HTTP/1.x SP 3DIGIT [SP reason]`.
    private static func statusLine(_ line: HTTPWire.Bytes) throws -> (HTTPVersion, Int) {
        guard line.count >= 12 else { throw ParseError.malformedStartLine }
        let s = line.startIndex
        guard line[s] == 0x48, line[s + 1] == 0x54, line[s + 2] == 0x54, line[s + 3] == 0x50, line[s + 4] == 0x2F,
              line[s + 5] == 0x31, line[s + 6] == 0x2E, line[s + 7] == 0x30 || line[s + 7] == 0x31, line[s + 8] == 0x20,
              (0x31...0x35).contains(line[s + 9]), (0x30...0x39).contains(line[s + 10]),
              (0x30...0x39).contains(line[s + 11])
        else { throw ParseError.malformedStartLine }
        if line.count > 12 {
            // The reason phrase (not kept, as NIO's decoder keeps none): SP, then HTAB, SP, VCHAR, obs-text.
            let reason = line[(s + 12)...]
            guard reason.first == 0x20, !reason.contains(where: HTTPWire.isControl)
            else { throw ParseError.malformedStartLine }
        }
        let status = Int(line[s + 9] - 0x30) * 100 + Int(line[s + 10] - 0x30) * 10 + Int(line[s + 11] - 0x30)
        return (HTTPVersion(major: 1, minor: Int(line[s + 7] - 0x30)), status)
    }
}
