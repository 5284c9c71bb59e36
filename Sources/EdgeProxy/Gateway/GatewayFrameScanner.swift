import NIOCore
import NIOWebSocket

/// Cuts a relayed WebSocket byte stream at frame boundaries without decoding payloads.
///
/// The relay forwards frames as the bytes that arrived: a client's frames keep the client's own masking key
/// (RFC 6455 asks a client for an unpredictable key, and the client chose one), so nothing is unmasked,
/// copied or encoded again. Data frames stream through, header first; control frames (at most 125 payload
/// bytes) are held until whole, so that a close frame's status code can be read. No I/O: pieces are slices
/// of the buffers passed in.
struct GatewayFrameScanner {
    struct Header: Equatable {
        var fin: Bool
        var opcode: WebSocketOpcode
        var masked: Bool
        /// Payload length.
        var length: Int
    }

    enum Piece {
        /// A data frame's header with as much of its payload as had arrived.
        case dataStart(Header, ByteBuffer)
        /// More payload of the current data frame.
        case dataMore(ByteBuffer)
        /// A whole control frame; `closeCode` for a close frame (1005 when it carries none).
        case control(Header, ByteBuffer, closeCode: UInt16?)
    }

    enum ScanError: Error, Equatable {
        /// A control frame longer than 125 bytes or fragmented, or a length over 2^63.
        case invalidFrame
    }

    /// Payload bytes of the current data frame still to come.
    private var payloadLeft = 0
    /// An incomplete header or control frame, copied out of the read buffer (which it must not retain).
    private var carried: ByteBuffer?

    /// Nothing is held between reads: no partial header or control frame.
    var isIdle: Bool { carried == nil }

    /// The next piece out of `buffer`, or nil when it needs more bytes (what is left is carried over).
    mutating func next(_ buffer: inout ByteBuffer) throws -> Piece? {
        if payloadLeft > 0 {
            guard buffer.readableBytes > 0 else { return nil }
            let count = min(payloadLeft, buffer.readableBytes)
            payloadLeft -= count
            return .dataMore(buffer.readSlice(length: count)!)
        }
        if var earlier = carried {
            carried = nil
            earlier.writeBuffer(&buffer)
            buffer = earlier
        }
        guard let (header, headerLength) = try Self.header(in: buffer) else { return carry(&buffer) }
        if header.opcode.isControlOpcode {
            guard header.fin, header.length <= 125 else { throw ScanError.invalidFrame }
            guard buffer.readableBytes >= headerLength + header.length else { return carry(&buffer) }
            let frame = buffer.readSlice(length: headerLength + header.length)!
            let code = header.opcode == .connectionClose ? Self.closeCode(frame, header, headerLength) : nil
            return .control(header, frame, closeCode: code)
        }
        let present = min(header.length, buffer.readableBytes - headerLength)
        payloadLeft = header.length - present
        return .dataStart(header, buffer.readSlice(length: headerLength + present)!)
    }

    /// Keeps bytes that arrived before anyone could take them, at a frame boundary (the upstream's first
    /// bytes, before the client side is attached): the next call to `next` starts with them.
    mutating func hold(_ buffer: inout ByteBuffer) {
        precondition(payloadLeft == 0, "held bytes must start a frame")
        guard buffer.readableBytes > 0 else { return }
        if carried == nil { carried = ByteBufferAllocator().buffer(capacity: buffer.readableBytes) }
        carried!.writeBuffer(&buffer)
    }

    private mutating func carry(_ buffer: inout ByteBuffer) -> Piece? {
        if buffer.readableBytes > 0 {
            var copy = ByteBufferAllocator().buffer(capacity: buffer.readableBytes)
            copy.writeBuffer(&buffer)
            carried = copy
        }
        return nil
    }

    /// The header at the reader index and its length, or nil if it is not all there yet.
    static func header(in buffer: ByteBuffer) throws -> (Header, Int)? {
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self),
              let second = buffer.getInteger(at: start + 1, as: UInt8.self)
        else { return nil }
        var length = Int(second & 0x7F)
        var headerLength = 2
        if length == 126 {
            guard let extended = buffer.getInteger(at: start + 2, as: UInt16.self) else { return nil }
            length = Int(extended)
            headerLength = 4
        } else if length == 127 {
            guard let extended = buffer.getInteger(at: start + 2, as: UInt64.self) else { return nil }
            guard extended <= UInt64(Int.max) else { throw ScanError.invalidFrame }
            length = Int(extended)
            headerLength = 10
        }
        let masked = second & 0x80 != 0
        if masked { headerLength += 4 }
        guard buffer.readableBytes >= headerLength else { return nil }
        let opcode = WebSocketOpcode(encodedWebSocketOpcode: first & 0x0F)!
        return (Header(fin: first & 0x80 != 0, opcode: opcode, masked: masked, length: length), headerLength)
    }

    /// A close frame's status code, unmasked; 1005 (none) when the payload is shorter than a code.
    private static func closeCode(_ frame: ByteBuffer, _ header: Header, _ headerLength: Int) -> UInt16 {
        let at = frame.readerIndex + headerLength
        guard header.length >= 2, var code = frame.getInteger(at: at, as: UInt16.self) else { return 1005 }
        if header.masked, let key = frame.getInteger(at: at - 4, as: UInt16.self) {
            code ^= key  // the code is the payload's first two bytes, masked by the key's first two
        }
        return code
    }
}

/// Frames the proxy writes itself: close frames (the relay never re-encodes relayed frames).
enum GatewayFrames {
    /// A close frame with a status code and reason (at most 123 bytes); masked when sent by the proxy as a client.
    static func close(code: UInt16, reason: String, masked: Bool, allocator: ByteBufferAllocator) -> ByteBuffer {
        let length = min(2 + reason.utf8.count, 125)
        var frame = allocator.buffer(capacity: 6 + length)
        frame.writeInteger(UInt8(0x88))  // FIN, close
        frame.writeInteger(UInt8(length) | (masked ? 0x80 : 0))
        var payload = allocator.buffer(capacity: length)
        payload.writeInteger(code)
        payload.writeBytes(reason.utf8.prefix(length - 2))
        if masked {
            let key = WebSocketMaskingKey.random()
            frame.writeBytes(key)
            payload.webSocketMask(key)
        }
        frame.writeBuffer(&payload)
        return frame
    }
}
