import NIOCore
import NIOEmbedded
import Testing

@testable import EdgeRedis

@Suite("RESP command encoding and the decoder handler")
struct RESPCommandTests {
    @Test("a command is an array of bulk strings")
    func encoding() {
        var command = RESPCommand("EVALSHA", argumentCount: 5)
        command.append("abc")
        command.append(Int64(2))
        command.append(Int64(-9_223_372_036_854_775_807) - 1)
        command.append(ByteBuffer(string: "é"))
        #expect(command.isComplete)
        #expect(
            String(buffer: command.bytes)
                == "*5\r\n$7\r\nEVALSHA\r\n$3\r\nabc\r\n$1\r\n2\r\n$20\r\n-9223372036854775808\r\n$2\r\né\r\n")
        #expect(String(buffer: RESPCommand(["PING"]).bytes) == "*1\r\n$4\r\nPING\r\n")
        #expect(String(buffer: RESPCommand(["SET", "k", ""]).bytes) == "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n")
        #expect(!RESPCommand("GET", argumentCount: 2).isComplete)
    }

    @Test("decimal formatting of every digit count")
    func decimals() {
        var value: Int64 = 1
        for _ in 0..<18 {
            for candidate in [value - 1, value, -value, value * 9] {
                var command = RESPCommand("X", argumentCount: 2)
                command.append(candidate)
                #expect(String(buffer: command.bytes).hasSuffix("\r\n\(candidate)\r\n"))
            }
            value *= 10
        }
    }

    @Test("the decoder handler emits each reply once, across reads")
    func decoderHandler() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPDecoder()))
        try channel.writeInbound(ByteBuffer(string: "+OK\r\n*2\r\n:1"))
        try channel.writeInbound(ByteBuffer(string: "\r\n:2\r\n$-1\r\n"))
        #expect(try channel.readInbound(as: RESPValue.self) == .simpleString("OK"))
        #expect(try channel.readInbound(as: RESPValue.self) == .array([.integer(1), .integer(2)]))
        #expect(try channel.readInbound(as: RESPValue.self) == .bulkString(nil))
        #expect(try channel.readInbound(as: RESPValue.self) == nil)
        _ = try channel.finish()
    }

    @Test("a malformed reply is an error in the pipeline")
    func decoderError() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPDecoder()))
        #expect(throws: RESPParseError.unknownType(UInt8(ascii: "!"))) {
            try channel.writeInbound(ByteBuffer(string: "!x\r\n"))
        }
        _ = try? channel.finish()
    }
}
