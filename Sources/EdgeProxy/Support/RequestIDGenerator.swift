/// `X-Request-ID` values for one client connection: a random 64-bit connection prefix and a counter,
/// so ids are unique without a syscall or a lock per request.
struct RequestIDGenerator {
    private let prefix: UInt64
    private var counter: UInt32 = 0

    init() {
        var rng = SystemRandomNumberGenerator()
        prefix = rng.next()
    }

    mutating func next() -> RequestID {
        counter &+= 1
        return .generated(prefix: prefix, counter: counter)
    }
}

/// A request's `X-Request-ID`: the client's own, kept as sent, or one the proxy made. A made one is two numbers,
/// written as hex digits straight into the heads that carry it (16 for the prefix, `-`, 8 for the counter): no
/// String per request.
enum RequestID: Equatable, CustomStringConvertible {
    /// No id: the proxy's answers to bytes that were not a request.
    case none
    case given(String)
    case generated(prefix: UInt64, counter: UInt32)

    static let generatedLength = 25

    var utf8Count: Int {
        switch self {
        case .none: 0
        case .given(let text): text.utf8.count
        case .generated: Self.generatedLength
        }
    }

    var isEmpty: Bool { utf8Count == 0 }

    /// Appends `X-Request-ID: ` and the value to a head, unless there is no id.
    func writeField(into writer: inout HeadWriter) {
        guard !isEmpty else { return }
        writer.append("X-Request-ID: ")
        write(into: &writer)
        writer.append("\r\n")
    }

    /// Appends the value (not the field's name) to a head.
    @inline(__always)
    func write(into writer: inout HeadWriter) {
        switch self {
        case .none:
            break
        case .given(let text):
            writer.append(text)
        case .generated(let prefix, let counter):
            writer.appendInPlace(maxCount: Self.generatedLength) { Self.render(prefix, counter, into: $0) }
        }
    }

    var description: String {
        switch self {
        case .none:
            ""
        case .given(let text):
            text
        case .generated(let prefix, let counter):
            String(unsafeUninitializedCapacity: Self.generatedLength) {
                Self.render(prefix, counter, into: UnsafeMutableRawBufferPointer($0))
            }
        }
    }

    private static func render(_ prefix: UInt64, _ counter: UInt32, into bytes: UnsafeMutableRawBufferPointer) -> Int {
        let digits: StaticString = "0123456789abcdef"
        func hex(_ value: UInt64, digitCount: Int, at start: Int) {
            for i in 0..<digitCount {
                let nibble = Int((value >> UInt64(4 * (digitCount - 1 - i))) & 0xF)
                bytes[start + i] = digits.utf8Start[nibble]
            }
        }
        hex(prefix, digitCount: 16, at: 0)
        bytes[16] = UInt8(ascii: "-")
        hex(UInt64(counter), digitCount: 8, at: 17)
        return generatedLength
    }
}
