import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// HTTP/1.1 message syntax over raw bytes (RFC 9112), shared by the proxy's two parsers: `ClientRequestParser`
/// (what clients send) and `UpstreamResponseParser` (what upstreams answer). Strict wherever leniency could let
/// two readers of the same bytes disagree on where a message ends: bare LF, folded lines, control bytes.
enum HTTPWire {
    enum ParseError: Error, Equatable {
        /// Bytes arrived with no request waiting for them (an upstream speaking out of turn).
        case unsolicited
        /// A head (or its fields) over the limit, or a chunk-size line or trailer section that long.
        case headTooLarge
        /// A request line over the limit before its end arrived.
        case uriTooLong
        case malformedStartLine
        case malformedField
        case invalidContentLength
        case invalidTransferEncoding
        case invalidChunk
        /// A 101 to a request that asked for no upgrade.
        case unexpectedUpgrade
        /// The connection ended inside a message whose end is not the close.
        case truncated
    }

    typealias Bytes = UnsafeRawBufferPointer.SubSequence

    /// A whole head, up to and including its blank line, once it has arrived: from `input`, or from what an
    /// earlier read left in `carried` (then the bytes after the head go back into `input`). With no blank line
    /// yet, `carried` keeps the start. A head over `limit` bytes is an error however its bytes arrive: whole or
    /// still coming (then `carried` holds them, for the caller to tell which part was too long).
    static func takeHead(_ input: inout ByteBuffer, carried: inout ByteBuffer?, limit: Int) throws -> ByteBuffer? {
        if carried == nil, let end = headEnd(in: input, from: input.readerIndex) {
            let head = input.readSlice(length: end - input.readerIndex)!
            guard head.readableBytes <= limit else {
                carried = head
                throw ParseError.headTooLarge
            }
            return head
        }
        var pending = carried ?? ByteBuffer()
        // The blank line may straddle the reads: search again from just before the new bytes.
        let searchFrom = max(pending.readerIndex, pending.writerIndex - 3)
        pending.writeBuffer(&input)
        if let end = headEnd(in: pending, from: searchFrom) {
            let head = pending.readSlice(length: end - pending.readerIndex)!
            guard head.readableBytes <= limit else {
                carried = head
                throw ParseError.headTooLarge
            }
            if pending.readableBytes > 0 { input = pending }
            carried = nil
            return head
        }
        carried = pending
        guard pending.readableBytes <= limit else { throw ParseError.headTooLarge }
        return nil
    }

    /// The index just past the first CRLF CRLF at or after `start`, if any.
    private static func headEnd(in buffer: ByteBuffer, from start: Int) -> Int? {
        buffer.withUnsafeReadableBytes { bytes -> Int? in
            var i = start - buffer.readerIndex
            while i <= bytes.count - 4 {
                // No match can start at i...i+3 unless byte i+3 is CR or LF.
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

    /// One CRLF-terminated line (without the CRLF), once it has arrived; the start of one is carried over. A line
    /// over `limit` bytes is an error however it arrives.
    static func takeLine(_ input: inout ByteBuffer, carried: inout ByteBuffer?, limit: Int) throws -> ByteBuffer? {
        var pending: ByteBuffer
        if var earlier = carried {
            earlier.writeBuffer(&input)
            pending = earlier
        } else {
            pending = input
            input.moveReaderIndex(to: input.writerIndex)
        }
        guard let newline = pending.withUnsafeReadableBytes({ firstIndex(of: 0x0A, in: $0[...]) }) else {
            guard pending.readableBytes <= limit + 1 else { throw ParseError.headTooLarge }  // the line and its CR
            carried = pending.readableBytes > 0 ? pending : nil
            return nil
        }
        // Too long first: in pieces, a line that long is refused before its end arrives.
        guard newline <= limit + 1 else { throw ParseError.headTooLarge }
        guard newline > 0, pending.getInteger(at: pending.readerIndex + newline - 1, as: UInt8.self) == 0x0D else {
            throw ParseError.malformedField  // a bare LF
        }
        let line = pending.readSlice(length: newline - 1)!
        pending.moveReaderIndex(forwardBy: 2)
        carried = nil
        input = pending
        return line
    }

    /// CRLF-terminated lines of a complete head; a bare LF is an error.
    struct LineReader {
        let bytes: UnsafeRawBufferPointer
        private var position = 0

        init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        mutating func next() throws -> Bytes? {
            guard position < bytes.count else { return nil }
            guard let newline = HTTPWire.firstIndex(of: 0x0A, in: bytes[position...]), newline > position,
                  bytes[newline - 1] == 0x0D
            else { throw ParseError.malformedField }
            let line = bytes[position..<(newline - 1)]
            position = newline + 1
            return line
        }
    }

    /// `name ":" OWS value OWS`, the name a token (no space before the colon), the value without controls. A line
    /// that starts with whitespace (obs-fold, RFC 9112 5.2) has no token before its colon: refused too.
    static func field(_ line: Bytes) throws -> (name: Bytes, value: Bytes) {
        guard let (name, value) = split(line), !name.isEmpty, allBytes(of: name, satisfy: isTokenByte),
              allBytes(of: value, satisfy: { !isControl($0) })
        else { throw ParseError.malformedField }
        return (name, value)
    }

    /// Whether every byte passes `test`: a loop over the raw memory (the slice's generic `allSatisfy` checked
    /// bounds at every byte).
    @inline(__always)
    static func allBytes(of bytes: Bytes, satisfy test: (UInt8) -> Bool) -> Bool {
        guard let base = bytes.base.baseAddress else { return true }
        var position = base + bytes.startIndex
        let end = base + bytes.endIndex
        while position < end {
            guard test(position.load(as: UInt8.self)) else { return false }
            position += 1
        }
        return true
    }

    /// The index of `byte`'s first occurrence in `bytes` (`memchr`: a word at a time, where `firstIndex(of:)` went
    /// byte by byte with a bounds check each).
    @inline(__always)
    static func firstIndex(of byte: UInt8, in bytes: Bytes) -> Int? {
        guard let base = bytes.base.baseAddress, !bytes.isEmpty,
              let found = memchr(base + bytes.startIndex, Int32(byte), bytes.count)
        else { return nil }
        return UnsafeRawPointer(found) - base
    }

    /// A field line cut at its first colon, the value without OWS: no checks (for lines `field` already passed).
    @inline(__always)
    static func split(_ line: Bytes) -> (name: Bytes, value: Bytes)? {
        guard let colon = firstIndex(of: 0x3A, in: line) else { return nil }
        return (line[line.startIndex..<colon], trimmed(line[(colon + 1)...]))
    }

    /// `1*HEXDIG [; extensions]`, extensions ignored.
    static func chunkSize(_ line: ByteBuffer) throws -> Int {
        try line.withUnsafeReadableBytes { bytes in
            var size = 0
            var digits = 0
            for byte in bytes {
                let value: Int
                switch byte {
                case 0x30...0x39: value = Int(byte - 0x30)
                case 0x41...0x46: value = Int(byte - 0x41 + 10)
                case 0x61...0x66: value = Int(byte - 0x61 + 10)
                case 0x3B, 0x20, 0x09:  // extensions (and the whitespace some senders put before them)
                    guard digits > 0, !bytes.contains(where: isControl) else { throw ParseError.invalidChunk }
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

    /// A `Content-Length` value (a list of equal values counts as one); it must agree with an earlier one.
    static func contentLength(_ value: Bytes, previous: Int?) throws -> Int {
        var result = previous
        var rest = value
        while true {
            let comma = firstIndex(of: 0x2C, in: rest) ?? rest.endIndex
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

    /// The transfer codings named so far (over every `Transfer-Encoding` field, in order).
    struct Codings {
        private(set) var count = 0
        private(set) var chunked = 0
        private(set) var lastIsChunked = false

        mutating func add(_ value: Bytes) throws {
            try forEachListElement(value) { coding in
                guard !coding.isEmpty else { throw ParseError.invalidTransferEncoding }
                count += 1
                lastIsChunked = equalsIgnoringCase(coding, "chunked")
                if lastIsChunked { chunked += 1 }
            }
        }
    }

    /// Calls `body` with each element of a comma-separated field value (RFC 9110 5.6.1), trimmed of `OWS`, empty
    /// ones included; found with `memchr`, and no array of them is built.
    static func forEachListElement(_ value: Bytes, _ body: (Bytes) throws -> Void) rethrows {
        var rest = value
        while true {
            let comma = firstIndex(of: 0x2C, in: rest) ?? rest.endIndex
            try body(trimmed(rest[rest.startIndex..<comma]))
            guard comma < rest.endIndex else { return }
            rest = rest[(comma + 1)...]
        }
    }

    /// A control byte other than HTAB: never valid in a field value, reason phrase or chunk extension.
    static func isControl(_ byte: UInt8) -> Bool { (byte < 0x20 && byte != 0x09) || byte == 0x7F }

    /// Without leading and trailing SP and HTAB (RFC 9110 `OWS`).
    static func trimmed(_ bytes: Bytes) -> Bytes {
        var result = bytes
        while let first = result.first, first == 0x20 || first == 0x09 { result = result.dropFirst() }
        while let last = result.last, last == 0x20 || last == 0x09 { result = result.dropLast() }
        return result
    }

    /// RFC 9110 5.6.2 `tchar`.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: return true
        default: return false
        }
    }

    /// ASCII case-insensitive comparison of field-name bytes with a lowercase name.
    static func equalsIgnoringCase(_ bytes: Bytes, _ lowercase: StaticString) -> Bool {
        equalsIgnoringCase(bytes, lowercase: UnsafeRawBufferPointer(start: lowercase.utf8Start,
                                                                     count: lowercase.utf8CodeUnitCount))
    }

    /// ASCII case-insensitive equality of `bytes` with `lowercase` (already lowercase): only A-Z fold.
    @inline(__always)
    static func equalsIgnoringCase<A: Collection<UInt8>, B: Collection<UInt8>>(_ bytes: A, lowercase: B) -> Bool {
        guard bytes.count == lowercase.count else { return false }
        for (a, b) in zip(bytes, lowercase) where ((a >= 0x41 && a <= 0x5A) ? a | 0x20 : a) != b { return false }
        return true
    }
}
