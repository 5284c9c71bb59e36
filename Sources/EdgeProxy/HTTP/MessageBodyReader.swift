import NIOCore

/// One message body as its bytes arrive (RFC 9112 6.3, 7.1): by length, in chunks (handed out de-chunked;
/// extensions and trailer fields are checked and dropped: the other side is framed on its own), or up to the
/// close. Body bytes are slices of the bytes read; a chunk-size line or trailer split across reads is carried.
struct MessageBodyReader {
    enum Framing: Equatable {
        case length(Int)
        case chunked
        case untilClose
    }

    enum Piece {
        case bytes(ByteBuffer)
        case end
    }

    private enum State: Equatable {
        case fixed(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        /// The CRLF after a chunk's data.
        case chunkDataEnd
        case trailers
        case untilClose
    }

    private var state: State
    private var carried: ByteBuffer?
    /// The longest chunk-size line, and trailer line.
    private let lineLimit: Int

    init(_ framing: Framing, lineLimit: Int) {
        switch framing {
        case .length(let length): state = .fixed(remaining: length)
        case .chunked: state = .chunkSize
        case .untilClose: state = .untilClose
        }
        self.lineLimit = lineLimit
    }

    /// The next piece from `input` (consumed as far as it goes); nil when `input` holds no more. A body of
    /// length 0 ends at once, whatever `input` holds.
    mutating func next(_ input: inout ByteBuffer) throws -> Piece? {
        while true {
            switch state {
            case .fixed(let remaining):
                if remaining == 0 { return .end }
                guard input.readableBytes > 0 else { return nil }
                let count = min(remaining, input.readableBytes)
                state = .fixed(remaining: remaining - count)
                return .bytes(input.readSlice(length: count)!)
            case .chunkSize:
                guard let line = try HTTPWire.takeLine(&input, carried: &carried, limit: lineLimit) else { return nil }
                let size = try HTTPWire.chunkSize(line)
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                guard input.readableBytes > 0 else { return nil }
                let count = min(remaining, input.readableBytes)
                state = count == remaining ? .chunkDataEnd : .chunkData(remaining: remaining - count)
                return .bytes(input.readSlice(length: count)!)
            case .chunkDataEnd:
                guard let line = try HTTPWire.takeLine(&input, carried: &carried, limit: lineLimit) else { return nil }
                guard line.readableBytes == 0 else { throw HTTPWire.ParseError.invalidChunk }
                state = .chunkSize
            case .trailers:
                guard let line = try HTTPWire.takeLine(&input, carried: &carried, limit: lineLimit) else { return nil }
                if line.readableBytes == 0 {
                    state = .fixed(remaining: 0)
                    return .end
                }
                try line.withUnsafeReadableBytes { _ = try HTTPWire.field($0[...]) }
            case .untilClose:
                return input.readableBytes > 0 ? .bytes(input.readSlice(length: input.readableBytes)!) : nil
            }
        }
    }

    /// The next piece of the body `reader` reads, as a part of the parser's own (`body` or `end`); the reader is
    /// dropped once the body ended.
    static func nextPart<Part>(
        of reader: inout MessageBodyReader?, _ input: inout ByteBuffer, body: (ByteBuffer) -> Part, end: Part
    ) throws -> Part? {
        switch try reader!.next(&input) {
        case .bytes(let bytes):
            return body(bytes)
        case .end:
            reader = nil
            return end
        case nil:
            return nil
        }
    }

    /// The connection ended: the end of a body delimited by the close, or an error (the body was cut short).
    mutating func inputEnded() throws -> Piece {
        guard state == .untilClose else { throw HTTPWire.ParseError.truncated }
        state = .fixed(remaining: 0)
        return .end
    }
}
