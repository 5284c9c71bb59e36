import NIOCore

/// One command, already encoded as a RESP array of bulk strings, built argument by argument straight into
/// its buffer (no intermediate strings or arrays on the hot path).
///
/// The argument count is fixed up front (it is the `*N` header); `isComplete` tells whether every
/// argument was appended, and the connection refuses an incomplete command.
public struct RESPCommand: Sendable {
    public private(set) var bytes: ByteBuffer
    public let argumentCount: Int
    public private(set) var appended = 0
    /// The command name, for errors and logs (never its arguments, which may hold a password).
    public let name: String

    /// Starts a command of `argumentCount` arguments, the name included, and appends the name.
    public init(_ name: String, argumentCount: Int, allocator: ByteBufferAllocator = ByteBufferAllocator()) {
        precondition(argumentCount >= 1, "a command has at least its name")
        self.name = name
        self.argumentCount = argumentCount
        bytes = allocator.buffer(capacity: 16 + name.utf8.count + argumentCount * 24)
        bytes.writeInteger(UInt8(ascii: "*"))
        RESPCommand.writeDecimal(Int64(argumentCount), to: &bytes)
        bytes.writeStaticString("\r\n")
        append(name)
    }

    /// A command from whole string arguments: `RESPCommand(["SELECT", "2"])`.
    public init(_ arguments: [String]) {
        self.init(arguments[0], argumentCount: arguments.count)
        for argument in arguments.dropFirst() { append(argument) }
    }

    public var isComplete: Bool { appended == argumentCount }

    public mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(bytes: UnsafeRawBufferPointer($0)) }
    }

    public mutating func append(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { append(bytes: $0) }
    }

    /// A decimal integer argument, written without a temporary string.
    public mutating func append(_ value: Int64) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for "-9223372036854775808"
        let start = withUnsafeMutableBytes(of: &digits) { RESPCommand.formatDecimal(value, into: $0) }
        withUnsafeBytes(of: &digits) { append(bytes: UnsafeRawBufferPointer(rebasing: $0[start...])) }
    }

    public mutating func append(bytes argument: UnsafeRawBufferPointer) {
        precondition(appended < argumentCount, "\(name): more arguments than announced")
        bytes.writeInteger(UInt8(ascii: "$"))
        RESPCommand.writeDecimal(Int64(argument.count), to: &bytes)
        bytes.writeStaticString("\r\n")
        bytes.writeBytes(argument)
        bytes.writeStaticString("\r\n")
        appended += 1
    }

    static func writeDecimal(_ value: Int64, to buffer: inout ByteBuffer) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)
        let start = withUnsafeMutableBytes(of: &digits) { RESPCommand.formatDecimal(value, into: $0) }
        withUnsafeBytes(of: &digits) { _ = buffer.writeBytes(UnsafeRawBufferPointer(rebasing: $0[start...])) }
    }

    /// Writes `value` in decimal at the end of `raw` (at least 20 bytes); returns where the text starts.
    static func formatDecimal(_ value: Int64, into raw: UnsafeMutableRawBufferPointer) -> Int {
        var magnitude = value.magnitude
        var start = raw.count
        repeat {
            start -= 1
            raw[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        if value < 0 {
            start -= 1
            raw[start] = UInt8(ascii: "-")
        }
        return start
    }
}
