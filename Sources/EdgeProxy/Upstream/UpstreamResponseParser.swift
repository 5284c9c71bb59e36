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
    enum ParseError: Error, Equatable {
        /// Bytes arrived with no request waiting for them.
        case unsolicited
        case headTooLarge
        case malformedStatusLine
        case malformedField
        case invalidContentLength
        case invalidTransferEncoding
        case invalidChunk
        /// A 101 to a request that asked for no upgrade.
        case unexpectedUpgrade
        /// The connection ended inside a response whose end is not the close.
        case truncated
    }

    private enum State: Equatable {
        case head
        /// A `Content-Length` body (or none: 0), then `.end`.
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        /// The CRLF after a chunk's data.
        case chunkDataEnd
        case trailers
        /// No length: the body ends when the connection does.
        case untilClose
    }

    /// The longest head (status line and fields), and the longest chunk-size line or trailer section.
    let maxHeadSize: Int
    private var state = State.head
    /// Methods of the requests sent and not yet answered, oldest first (a HEAD's response has no body).
    private var awaiting = CircularBuffer<HTTPMethod>(initialCapacity: 2)
    /// The start of a head, chunk-size line or trailer section that has not arrived whole.
    private var carried: ByteBuffer?

    init(maxHeadSize: Int = 80 * 1024) {
        self.maxHeadSize = maxHeadSize
    }

    /// A request with this method was written to the connection.
    mutating func requestSent(_ method: HTTPMethod) {
        awaiting.append(method)
    }

    /// Whether the connection is between responses with nothing awaited (so it may go back to its pool).
    var isIdle: Bool { state == .head && awaiting.isEmpty && carried == nil }

    /// The next part of a response from `input` (consumed as far as it goes); nil when `input` holds no more.
    mutating func next(_ input: inout ByteBuffer) throws -> HTTPClientResponsePart? {
        switch state {
        case .head:
            return try nextHead(&input)
        case .fixed(let remaining):
            if remaining == 0 {
                state = .head
                return .end(nil)
            }
            guard input.readableBytes > 0 else { return nil }
            let count = min(remaining, input.readableBytes)
            state = .fixed(remaining: remaining - count)
            return .body(input.readSlice(length: count)!)
        case .chunkSize:
            guard let line = try takeLine(&input) else { return nil }
            let size = try Self.chunkSize(line)
            state = size == 0 ? .trailers : .chunkData(remaining: size)
            return try next(&input)
        case .chunkData(let remaining):
            guard input.readableBytes > 0 else { return nil }
            let count = min(remaining, input.readableBytes)
            state = count == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - count)
            return .body(input.readSlice(length: count)!)
        case .chunkDataEnd:
            guard let line = try takeLine(&input) else { return nil }
            guard line.readableBytes == 0 else { throw ParseError.invalidChunk }
            state = .chunkSize
            return try next(&input)
        case .trailers:
            // Trailer fields are not relayed (the client side may not be chunked); they are checked like fields.
            while let line = try takeLine(&input) {
                if line.readableBytes == 0 {
                    state = .head
                    return .end(nil)
                }
                try line.withUnsafeReadableBytes { _ = try Self.field($0[...]) }
            }
            return nil
        case .untilClose:
            return input.readableBytes > 0 ? .body(input.readSlice(length: input.readableBytes)!) : nil
        }
    }

    /// The connection ended: the end of a body delimited by the close, nil between responses, or an error.
    mutating func inputEnded() throws -> HTTPClientResponsePart? {
        switch state {
        case .untilClose:
            state = .head
            return .end(nil)
        case .head:
            carried = nil
            return nil  // no response, or half a head: the exchange fails for want of one
        default:
            throw ParseError.truncated
        }
    }

    // MARK: heads

    private mutating func nextHead(_ input: inout ByteBuffer) throws -> HTTPClientResponsePart? {
        while true {
            guard input.readableBytes > 0 || carried != nil else { return nil }
            guard let method = awaiting.first else { throw ParseError.unsolicited }
            guard var head = try takeHead(&input) else { return nil }
            let parsed = try head.withUnsafeReadableBytes { try Self.parseHead($0) }
            head.clear()
            switch parsed.status {
            case 101:
                throw ParseError.unexpectedUpgrade
            case 100..<200:
                continue  // informational: the final response follows
            default:
                break
            }
            awaiting.removeFirst()
            if method == .HEAD || parsed.status == 204 || parsed.status == 304 {
                state = .fixed(remaining: 0)
            } else if parsed.chunked {
                state = .chunkSize
            } else if let length = parsed.contentLength {
                state = .fixed(remaining: length)
            } else {
                state = .untilClose
            }
            return .head(HTTPResponseHead(version: parsed.version, status: HTTPResponseStatus(statusCode: parsed.status),
                                          headers: parsed.headers))
        }
    }

    /// The whole head up to and including its blank line, once it has arrived.
    private mutating func takeHead(_ input: inout ByteBuffer) throws -> ByteBuffer? {
        if carried == nil, let end = Self.headEnd(in: input, from: input.readerIndex) {
            return input.readSlice(length: end - input.readerIndex)
        }
        var pending = carried ?? ByteBuffer()
        // The blank line may straddle the reads: search again from just before the new bytes.
        let searchFrom = max(pending.readerIndex, pending.writerIndex - 3)
        pending.writeBuffer(&input)
        if let end = Self.headEnd(in: pending, from: searchFrom) {
            let head = pending.readSlice(length: end - pending.readerIndex)
            // Bytes after the head go back in front of the input (rare: a head split across reads).
            if pending.readableBytes > 0 { input = pending } else { input.clear() }
            carried = nil
            return head
        }
        guard pending.readableBytes <= maxHeadSize else { throw ParseError.headTooLarge }
        carried = pending
        return nil
    }

    /// The index just past the first CRLF CRLF at or after `start`, if any.
    private static func headEnd(in buffer: ByteBuffer, from start: Int) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            let offset = start - buffer.readerIndex
            guard bytes.count - offset >= 4 else { return nil }
            var i = offset
            while i <= bytes.count - 4 {
                if bytes[i + 3] != 0x0A {
                    i += bytes[i + 3] == 0x0D ? 1 : 4
                    continue
                }
                if bytes[i] == 0x0D, bytes[i + 1] == 0x0A, bytes[i + 2] == 0x0D { return buffer.readerIndex + i + 4 }
                i += 1
            }
            return nil
        }
    }

    struct ParsedHead {
        var version: HTTPVersion
        var status: Int
        var headers: HTTPHeaders
        var contentLength: Int?
        var chunked: Bool
    }

    /// Parses a head that ends with its blank line.
    static func parseHead(_ bytes: UnsafeRawBufferPointer) throws -> ParsedHead {
        var lines = LineReader(bytes: bytes)
        guard let statusLine = try lines.next() else { throw ParseError.malformedStatusLine }
        let (version, status) = try Self.statusLine(statusLine)
        var headers = HTTPHeaders()
        headers.reserveCapacity(8)
        var length: Int?
        var codings = Codings()
        while let line = try lines.next(), !line.isEmpty {
            let (name, value) = try field(line)
            if equalsIgnoringCase(name, "content-length") {
                length = try contentLength(value, previous: length)
            } else if equalsIgnoringCase(name, "transfer-encoding") {
                try codings.add(value)
            }
            headers.add(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
        }
        if codings.count > 0 {
            // RFC 9112 6.3: with a length as well the framing is ambiguous. Without chunked last, the body runs to
            // the close.
            guard length == nil, codings.chunked == 0 || (codings.chunked == 1 && codings.lastIsChunked)
            else { throw ParseError.invalidTransferEncoding }
        }
        return ParsedHead(version: version, status: status, headers: headers, contentLength: length,
                          chunked: codings.lastIsChunked)
    }

    /// The transfer codings named so far (over every `Transfer-Encoding` field, in order).
    private struct Codings {
        var count = 0
        var chunked = 0
        var lastIsChunked = false

        mutating func add(_ value: UnsafeRawBufferPointer.SubSequence) throws {
            var rest = value
            while true {
                let comma = rest.firstIndex(of: 0x2C) ?? rest.endIndex
                let coding = trimmed(rest[rest.startIndex..<comma])
                guard !coding.isEmpty else { throw ParseError.invalidTransferEncoding }
                count += 1
                lastIsChunked = equalsIgnoringCase(coding, "chunked")
                if lastIsChunked { chunked += 1 }
                guard comma < rest.endIndex else { return }
                rest = rest[(comma + 1)...]
            }
        }
    }

    /// `HTTP/1.x SP 3DIGIT [SP reason]`.
    private static func statusLine(_ line: UnsafeRawBufferPointer.SubSequence) throws -> (HTTPVersion, Int) {
        guard line.count >= 12 else { throw ParseError.malformedStatusLine }
        let s = line.startIndex
        guard line[s] == 0x48, line[s + 1] == 0x54, line[s + 2] == 0x54, line[s + 3] == 0x50, line[s + 4] == 0x2F,
              line[s + 5] == 0x31, line[s + 6] == 0x2E, line[s + 7] == 0x30 || line[s + 7] == 0x31, line[s + 8] == 0x20,
              (0x31...0x35).contains(line[s + 9]), (0x30...0x39).contains(line[s + 10]),
              (0x30...0x39).contains(line[s + 11])
        else { throw ParseError.malformedStatusLine }
        if line.count > 12 {
            // The reason phrase (not kept, as NIO's decoder keeps none): SP, then HTAB, SP, VCHAR, obs-text.
            let reason = line[(s + 12)...]
            guard reason.first == 0x20, !reason.contains(where: isControl) else { throw ParseError.malformedStatusLine }
        }
        let status = Int(line[s + 9] - 0x30) * 100 + Int(line[s + 10] - 0x30) * 10 + Int(line[s + 11] - 0x30)
        return (HTTPVersion(major: 1, minor: Int(line[s + 7] - 0x30)), status)
    }

    /// `name ":" OWS value OWS`, the name a token (no space before the colon), the value without controls. A line
    /// that starts with whitespace (obs-fold, RFC 9112 5.2) has no token before its colon: refused too.
    static func field(_ line: UnsafeRawBufferPointer.SubSequence) throws
        -> (name: UnsafeRawBufferPointer.SubSequence, value: UnsafeRawBufferPointer.SubSequence)
    {
        guard let colon = line.firstIndex(of: 0x3A), colon > line.startIndex else { throw ParseError.malformedField }
        let name = line[line.startIndex..<colon]
        guard name.allSatisfy(isTokenByte) else { throw ParseError.malformedField }
        let value = trimmed(line[(colon + 1)...])
        guard !value.contains(where: isControl) else { throw ParseError.malformedField }
        return (name, value)
    }

    /// A `Content-Length` value (a list of equal values counts as one); it must agree with an earlier one.
    private static func contentLength(_ value: UnsafeRawBufferPointer.SubSequence, previous: Int?) throws -> Int {
        var result = previous
        var rest = value
        while true {
            let comma = rest.firstIndex(of: 0x2C) ?? rest.endIndex
            let digits = trimmed(rest[rest.startIndex..<comma])
            guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ (0x30...0x39).contains($0) })
            else { throw ParseError.invalidContentLength }
            let length = digits.reduce(0) { $0 * 10 + Int($1 - 0x30) }
            guard result == nil || result == length else { throw ParseError.invalidContentLength }
            result = length
            guard comma < rest.endIndex else { return length }
            rest = rest[(comma + 1)...]
        }
    }

    // MARK: chunks

    /// `1*HEXDIG [; extensions]`, extensions ignored.
    private static func chunkSize(_ line: ByteBuffer) throws -> Int {
        try line.withUnsafeReadableBytes { bytes in
            var size = 0
            var digits = 0
            for byte in bytes {
                let value: Int
                switch byte {
                case 0x30...0x39: value = Int(byte - 0x30)
                case 0x41...0x46: value = Int(byte - 0x41 + 10)
                case 0x61...0x66: value = Int(byte - 0x61 + 10)
                case 0x3B, 0x20, 0x09:  // extensions (and the whitespace some servers put before them)
                    guard digits > 0, !bytes.contains(where: isControl)
                    else { throw ParseError.invalidChunk }
                    return size
                default: throw ParseError.invalidChunk
                }
                digits += 1
                guard digits <= 15 else { throw ParseError.invalidChunk }  // at most 2^60 - 1
                size = size << 4 | value
            }
            guard digits > 0 else { throw ParseError.invalidChunk }
            return size
        }
    }

    /// One CRLF-terminated line (without the CRLF), once it has arrived; the start of one is carried over.
    private mutating func takeLine(_ input: inout ByteBuffer) throws -> ByteBuffer? {
        var pending: ByteBuffer
        if var earlier = carried {
            earlier.writeBuffer(&input)
            pending = earlier
        } else {
            pending = input
            input.moveReaderIndex(to: input.writerIndex)
        }
        let newline = pending.withUnsafeReadableBytes { $0.firstIndex(of: 0x0A) }
        guard let newline else {
            guard pending.readableBytes <= maxHeadSize else { throw ParseError.headTooLarge }
            carried = pending.readableBytes > 0 ? pending : nil
            return nil
        }
        guard newline > 0, pending.getInteger(at: pending.readerIndex + newline - 1, as: UInt8.self) == 0x0D else {
            throw ParseError.malformedField  // a bare LF
        }
        let line = pending.readSlice(length: newline - 1)!
        pending.moveReaderIndex(forwardBy: 2)
        carried = nil
        input = pending
        return line
    }
}

/// CRLF-terminated lines of a complete head; a bare LF is an error.
private struct LineReader {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    mutating func next() throws -> UnsafeRawBufferPointer.SubSequence? {
        guard position < bytes.count else { return nil }
        guard let newline = bytes[position...].firstIndex(of: 0x0A) else {
            throw UpstreamResponseParser.ParseError.malformedField
        }
        guard newline > position, bytes[newline - 1] == 0x0D else {
            throw UpstreamResponseParser.ParseError.malformedField
        }
        let line = bytes[position..<(newline - 1)]
        position = newline + 1
        return line
    }
}

/// A control byte other than HTAB: never valid in a field value, reason phrase or chunk extension.
private func isControl(_ byte: UInt8) -> Bool { (byte < 0x20 && byte != 0x09) || byte == 0x7F }

/// Without leading and trailing SP and HTAB (RFC 9110 `OWS`).
private func trimmed(_ bytes: UnsafeRawBufferPointer.SubSequence) -> UnsafeRawBufferPointer.SubSequence {
    var result = bytes
    while let first = result.first, first == 0x20 || first == 0x09 { result = result.dropFirst() }
    while let last = result.last, last == 0x20 || last == 0x09 { result = result.dropLast() }
    return result
}

/// RFC 9110 5.6.2 `tchar`.
private func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
    case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: return true
    default: return false
    }
}

/// ASCII case-insensitive comparison of field-name bytes with a lowercase name.
private func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer.SubSequence, _ lowercase: StaticString) -> Bool {
    guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
    let expected = UnsafeRawBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
    return zip(bytes, expected).allSatisfy { ($0 | 0x20) == $1 }
}
