import NIOCore
import NIOEmbedded
import NIOWebSocket
import Testing

@testable import EdgeProxy

/// `GatewayFrameScanner`: frames cut out of a byte stream however it is split, without changing a byte.
@Suite struct GatewayFrameScannerTests {
    /// A frame as a client (masked) or a server (unmasked) would send it, encoded by NIO.
    private func encoded(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true, masked: Bool) -> ByteBuffer {
        let channel = EmbeddedChannel(handler: WebSocketFrameEncoder())
        let frame = WebSocketFrame(fin: fin, opcode: opcode, maskKey: masked ? .random() : nil,
                                   data: ByteBuffer(bytes: payload))
        try! channel.writeOutbound(frame)
        var out = ByteBuffer()
        while var part = try! channel.readOutbound(as: ByteBuffer.self) { out.writeBuffer(&part) }
        return out
    }

    private struct Scanned {
        var headers: [GatewayFrameScanner.Header] = []
        var closeCodes: [UInt16] = []
        var bytes = ByteBuffer()
    }

    /// Feeds `stream` in pieces of `chunk` bytes and collects what comes out.
    private func scan(_ stream: ByteBuffer, chunk: Int) throws -> Scanned {
        var scanner = GatewayFrameScanner()
        var result = Scanned()
        var rest = stream
        while rest.readableBytes > 0 {
            var read = rest.readSlice(length: min(chunk, rest.readableBytes))!
            while let piece = try scanner.next(&read) {
                switch piece {
                case .dataStart(let header, var bytes):
                    result.headers.append(header)
                    result.bytes.writeBuffer(&bytes)
                case .dataMore(var bytes):
                    result.bytes.writeBuffer(&bytes)
                case .control(let header, var bytes, let closeCode):
                    result.headers.append(header)
                    if let closeCode { result.closeCodes.append(closeCode) }
                    result.bytes.writeBuffer(&bytes)
                }
            }
        }
        #expect(scanner.isIdle)
        return result
    }

    @Test(arguments: [true, false])
    func framesComeOutUnchangedHoweverTheStreamIsSplit(masked: Bool) throws {
        var close = ByteBuffer()
        close.writeInteger(UInt16(4009))
        close.writeString("Session timed out")
        var stream = encoded(.text, Array("{\"op\": 1}".utf8), fin: false, masked: masked)
        var parts = [
            encoded(.ping, [1, 2, 3], masked: masked),
            encoded(.continuation, Array(repeating: 7, count: 300), masked: masked),  // 16-bit length
            encoded(.binary, Array(repeating: 9, count: 70_000), masked: masked),  // 64-bit length
            encoded(.connectionClose, Array(close.readableBytesView), masked: masked),
        ]
        for index in parts.indices { stream.writeBuffer(&parts[index]) }

        for chunk in [1, 2, 3, 5, 13, 64, 1000, 100_000] {
            let scanned = try scan(stream, chunk: chunk)
            #expect(scanned.bytes == stream, "chunk \(chunk)")
            #expect(scanned.headers.map(\.opcode) == [.text, .ping, .continuation, .binary, .connectionClose])
            #expect(scanned.headers.map(\.fin) == [false, true, true, true, true])
            #expect(scanned.headers.map(\.length) == [9, 3, 300, 70_000, 19])
            #expect(scanned.headers.allSatisfy { $0.masked == masked })
            #expect(scanned.closeCodes == [4009])
        }
    }

    @Test func closeWithoutACodeReads1005() throws {
        let scanned = try scan(encoded(.connectionClose, [], masked: true), chunk: 100)
        #expect(scanned.closeCodes == [1005])
    }

    @Test func oversizedOrFragmentedControlFramesAreRefused() {
        var scanner = GatewayFrameScanner()
        var long = encoded(.ping, Array(repeating: 0, count: 126), masked: true)
        #expect(throws: GatewayFrameScanner.ScanError.invalidFrame) { try scanner.next(&long) }
        var fragmented = encoded(.ping, [1], fin: false, masked: true)
        scanner = GatewayFrameScanner()
        #expect(throws: GatewayFrameScanner.ScanError.invalidFrame) { try scanner.next(&fragmented) }
    }

    @Test func heldBytesComeOutFirstAndWholeFramesOnly() throws {
        // What the upstream sent before the client side was attached: two frames and the first byte of a third.
        var first = encoded(.text, Array("hello".utf8), masked: false)
        var second = encoded(.ping, [7], masked: false)
        let third = encoded(.binary, [1, 2, 3, 4], masked: false)
        var thirdStart = third.getSlice(at: third.readerIndex, length: 1)!
        var thirdRest = third.getSlice(at: third.readerIndex + 1, length: third.readableBytes - 1)!
        var scanner = GatewayFrameScanner()
        scanner.hold(&first)
        scanner.hold(&second)
        scanner.hold(&thirdStart)
        #expect(!scanner.isIdle)

        var nothing = ByteBuffer()
        var opcodes: [WebSocketOpcode] = []
        while let piece = try scanner.next(&nothing) {
            guard case .dataStart(let header, _) = piece else {
                if case .control(let header, _, _) = piece { opcodes.append(header.opcode) }
                continue
            }
            opcodes.append(header.opcode)
        }
        #expect(opcodes == [.text, .ping])
        #expect(!scanner.isIdle)  // the third frame's first byte waits for the rest of its header

        guard case .dataStart(let header, var bytes) = try scanner.next(&thirdRest) else {
            Issue.record("the third frame did not come out whole")
            return
        }
        #expect(header.opcode == .binary && header.length == 4)
        #expect(bytes.readBytes(length: bytes.readableBytes) == Array(third.readableBytesView))
        #expect(scanner.isIdle)
    }

    @Test(arguments: [true, false])
    func proxyCloseFramesDecodeWithNIO(masked: Bool) throws {
        let frame = GatewayFrames.close(code: 1001, reason: "Going away", masked: masked,
                                        allocator: ByteBufferAllocator())
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(WebSocketFrameDecoder()))
        try channel.writeInbound(frame)
        let read = try channel.readInbound(as: WebSocketFrame.self)
        let decoded = try #require(read)
        #expect(decoded.opcode == .connectionClose)
        #expect((decoded.maskKey != nil) == masked)
        var data = decoded.unmaskedData
        #expect(data.readInteger(as: UInt16.self) == 1001)
        #expect(String(buffer: data) == "Going away")
    }
}
