import EdgeCore
import NIOCore
import NIOHTTP1

/// Writes a head straight into a `ByteBuffer`'s memory: one `writeWithUnsafeMutableBytes` per head, where a
/// `ByteBuffer` write per piece (status line parts, each field's name, separator, value and CRLF) checked the
/// storage's uniqueness, its capacity and exclusive access every time, some thirty times a head.
///
/// The caller reserves an upper bound of the head's size; a write past it traps (never out of bounds).
struct HeadWriter {
    private var output: ASCIIMemoryWriter
    var count: Int { output.count }

    private init(_ memory: UnsafeMutableRawBufferPointer) {
        self.output = ASCIIMemoryWriter(memory)
    }

    /// Appends what `body` writes to `buffer`, which gets at least `bound` writable bytes first.
    static func write(into buffer: inout ByteBuffer, bound: Int, _ body: (inout HeadWriter) -> Void) {
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bound) { memory in
            var writer = HeadWriter(memory)
            body(&writer)
            return writer.count
        }
    }

    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        output.append(bytes)
    }

    @inline(__always)
    mutating func append(_ bytes: HTTPWire.Bytes) {
        append(UnsafeRawBufferPointer(rebasing: bytes))
    }

    @inline(__always)
    mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Lets `body` write up to `maxCount` bytes in place; it returns how many it wrote.
    mutating func appendInPlace(maxCount: Int, _ body: (UnsafeMutableRawBufferPointer) -> Int) {
        output.appendInPlace(maxCount: maxCount, body)
    }

    /// A non-negative integer in decimal.
    mutating func appendDecimal(_ value: Int) {
        precondition(value >= 0)
        ASCII.withDecimalDigits(UInt64(value)) { append($0) }
    }

    /// `Name: value` and CRLF.
    @inline(__always)
    mutating func field(_ name: String, _ value: String) {
        append(name)
        append(": ")
        append(value)
        append("\r\n")
    }

    /// `HTTP/1.1 200 OK` and CRLF, as NIO's encoder writes it.
    mutating func statusLine(_ status: HTTPResponseStatus, version: HTTPVersion) {
        if version.major == 1, version.minor == 1 {
            append("HTTP/1.1 ")
        } else if version.major == 1, version.minor == 0 {
            append("HTTP/1.0 ")
        } else {
            append("HTTP/")
            appendDecimal(version.major)
            append(".")
            appendDecimal(version.minor)
            append(" ")
        }
        appendDecimal(Int(status.code))
        append(" ")
        append(status.reasonPhrase)
        append("\r\n")
    }

    /// An upper bound of `statusLine`'s length.
    static func statusLineBound(_ status: HTTPResponseStatus) -> Int {
        // "HTTP/" major "." minor " " code " " reason CRLF: versions and the code have 20 digits at most each.
        5 + 20 + 1 + 20 + 1 + 20 + 1 + status.reasonPhrase.utf8.count + 2
    }
}
