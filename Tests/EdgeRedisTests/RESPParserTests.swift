import NIOCore
import Testing

@testable import EdgeRedis

@Suite("RESP parser")
struct RESPParserTests {
    /// Feeds `bytes` in the given chunks and collects every complete value.
    static func parse(_ chunks: [[UInt8]], limits: RESPLimits = RESPLimits()) throws -> [RESPValue] {
        var parser = RESPParser(limits: limits)
        var buffer = ByteBuffer()
        var values: [RESPValue] = []
        for chunk in chunks {
            buffer.writeBytes(chunk)
            while let value = try parser.next(&buffer) { values.append(value) }
            buffer.discardReadBytes()
        }
        #expect(buffer.readableBytes == 0)
        return values
    }

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
    static func bulk(_ text: String) -> RESPValue { .bulkString(ByteBuffer(string: text)) }

    static let stream =
        "+OK\r\n-NOSCRIPT No matching script\r\n:-42\r\n$5\r\nhello\r\n$0\r\n\r\n$-1\r\n*-1\r\n*0\r\n"
        + "*3\r\n:1\r\n*2\r\n$4\r\na\r\nb\r\n*0\r\n$-1\r\n" + "*2\r\n*1\r\n*1\r\n:7\r\n+x\r\n"
    static let expected: [RESPValue] = [
        .simpleString("OK"), .error("NOSCRIPT No matching script"), .integer(-42), bulk("hello"), bulk(""),
        .bulkString(nil), .array(nil), .array([]),
        .array([.integer(1), .array([bulk("a\r\nb"), .array([])]), .bulkString(nil)]),
        .array([.array([.array([.integer(7)])]), .simpleString("x")]),
    ]

    @Test("a stream of every reply type decodes in one piece")
    func wholeStream() throws {
        #expect(try Self.parse([Self.bytes(Self.stream)]) == Self.expected)
    }

    @Test("split at every byte: two chunks give the same values")
    func splitAtEveryByte() throws {
        let all = Self.bytes(Self.stream)
        for cut in 0...all.count {
            #expect(try Self.parse([Array(all[..<cut]), Array(all[cut...])]) == Self.expected, "cut at \(cut)")
        }
    }

    @Test("one byte at a time")
    func byteByByte() throws {
        #expect(try Self.parse(Self.bytes(Self.stream).map { [$0] }) == Self.expected)
    }

    @Test("an incomplete value consumes nothing it cannot use and returns nil")
    func incomplete() throws {
        var parser = RESPParser()
        var buffer = ByteBuffer(string: "*2\r\n:1\r\n$3\r\nab")
        #expect(try parser.next(&buffer) == nil)
        buffer.writeString("c\r\n")
        #expect(try parser.next(&buffer) == .array([.integer(1), Self.bulk("abc")]))
    }

    @Test(
        "malformed input is an error",
        arguments: [
            ("?x\r\n", RESPParseError.unknownType(UInt8(ascii: "?"))),
            (":12a\r\n", .invalidInteger),
            (":\r\n", .invalidInteger),
            (":99999999999999999999\r\n", .invalidInteger),
            ("$-2\r\n", .invalidLength),
            ("*-5\r\n", .invalidLength),
            ("$3\r\nabcXY", .missingCRLF),
            ("+OK\rX", .missingCRLF),
            ("\r\n", .unknownType(0x0D)),
        ])
    func malformed(input: String, error: RESPParseError) {
        #expect(throws: error) { _ = try Self.parse([Self.bytes(input)]) }
    }

    @Test("limits: bulk length, array count, depth and line length")
    func limits() {
        let limits = RESPLimits(maxBulkLength: 4, maxArrayCount: 2, maxDepth: 2, maxLineLength: 8)
        #expect(throws: RESPParseError.bulkTooLong(5)) { _ = try Self.parse([Self.bytes("$5\r\n")], limits: limits) }
        #expect(throws: RESPParseError.arrayTooLong(3)) { _ = try Self.parse([Self.bytes("*3\r\n")], limits: limits) }
        #expect(throws: RESPParseError.tooDeep) {
            _ = try Self.parse([Self.bytes("*1\r\n*1\r\n*1\r\n")], limits: limits)
        }
        #expect(throws: RESPParseError.lineTooLong) { _ = try Self.parse([Self.bytes("+123456789")], limits: limits) }
        // Within the limits everything passes.
        #expect(
            (try? Self.parse([Self.bytes("$4\r\nabcd\r\n*2\r\n*1\r\n:1\r\n+12345678\r\n")], limits: limits)) == [
                Self.bulk("abcd"), .array([.array([.integer(1)]), .simpleString("12345678")]),
            ])
    }

    @Test("a huge announced array does not allocate up front")
    func hugeAnnouncedArray() throws {
        var parser = RESPParser()
        var buffer = ByteBuffer(string: "*1000000\r\n:1\r\n")
        #expect(try parser.next(&buffer) == nil)
        #expect(parser.stack.count == 1)
        #expect(parser.stack[0].elements.capacity < 1_000)
    }
}
