import NIOCore

/// Limits on what the decoder accepts, so a broken or hostile peer cannot make the client allocate without
/// bound.
public struct RESPLimits: Sendable, Equatable {
    /// Longest bulk string, in bytes.
    public var maxBulkLength: Int
    /// Most elements in one array.
    public var maxArrayCount: Int
    /// Deepest nesting of arrays.
    public var maxDepth: Int
    /// Longest header or simple line (`+`, `-`, `:`, `$n`, `*n`), without its CRLF.
    public var maxLineLength: Int

    public init(
        maxBulkLength: Int = 8 << 20, maxArrayCount: Int = 1 << 20, maxDepth: Int = 16,
        maxLineLength: Int = 64 << 10
    ) {
        self.maxBulkLength = maxBulkLength
        self.maxArrayCount = maxArrayCount
        self.maxDepth = maxDepth
        self.maxLineLength = maxLineLength
    }
}

/// Why a reply could not be decoded. The connection is closed after any of these: the stream cannot be
/// resynchronised.
public enum RESPParseError: Error, Sendable, Equatable {
    case unknownType(UInt8)
    case invalidInteger
    case invalidLength
    case missingCRLF
    case bulkTooLong(Int)
    case arrayTooLong(Int)
    case tooDeep
    case lineTooLong
}

/// The incremental RESP2 decoder as a state machine, apart from any channel: feed it the bytes received so far
/// and it returns each complete top-level value once, consuming exactly the bytes it used.
///
/// Partial frames resume where they stopped: a reply cut anywhere keeps its finished elements on `stack`
/// and its position in `state` (`.line`, or `.bulk` once a `$n` header was read), so the next call goes on
/// from there instead of re-parsing the frame from its start. Only an unfinished line or bulk body stays
/// unconsumed in the buffer until the rest arrives.
public struct RESPParser: Sendable {
    enum State: Sendable, Equatable {
        /// Waiting for a type byte and its line.
        case line
        /// Waiting for `length` bytes of a bulk string and their CRLF.
        case bulk(length: Int)
    }

    /// An array being filled: how many elements it needs and those decoded so far.
    struct Frame: Sendable {
        var expected: Int
        var elements: [RESPValue]
    }

    public let limits: RESPLimits
    private(set) var state = State.line
    private(set) var stack: [Frame] = []

    public init(limits: RESPLimits = RESPLimits()) {
        self.limits = limits
    }

    /// The next complete top-level value, or nil when `buffer` holds no more complete value (the bytes of a
    /// partial one are consumed and kept in the parser's state).
    public mutating func next(_ buffer: inout ByteBuffer) throws(RESPParseError) -> RESPValue? {
        while true {
            let value: RESPValue
            switch state {
            case .bulk(let length):
                guard buffer.readableBytes >= length + 2 else { return nil }
                let body = buffer.readSlice(length: length)!
                guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw .missingCRLF }
                state = .line
                value = .bulkString(body)
            case .line:
                guard let parsed = try readLine(&buffer) else { return nil }
                guard let parsedValue = parsed else { continue }
                value = parsedValue
            }
            if let complete = push(value) { return complete }
        }
    }

    /// Adds a finished value to the innermost open array, closing every array it completes; returns the value
    /// when it is a complete top-level one.
    private mutating func push(_ value: RESPValue) -> RESPValue? {
        var value = value
        while !stack.isEmpty {
            stack[stack.count - 1].elements.append(value)
            guard stack[stack.count - 1].elements.count == stack[stack.count - 1].expected else { return nil }
            value = .array(stack.removeLast().elements)
        }
        return value
    }

    /// Reads one type line. nil: the line is not complete yet. `.some(nil)`: the line opened an array or a
    /// bulk string whose contents follow. `.some(value)`: a finished value.
    private mutating func readLine(_ buffer: inout ByteBuffer) throws(RESPParseError) -> RESPValue?? {
        let view = buffer.readableBytesView
        let searchEnd = view.startIndex + min(view.count, limits.maxLineLength + 2)
        guard let cr = view[view.startIndex..<searchEnd].firstIndex(of: 0x0D) else {
            if view.count >= limits.maxLineLength + 2 { throw .lineTooLong }
            return nil
        }
        guard cr + 1 < view.endIndex else { return nil }
        guard view[cr + 1] == 0x0A else { throw .missingCRLF }
        guard cr > view.startIndex else { throw .unknownType(0x0D) }
        let type = view[view.startIndex]
        let body = view[(view.startIndex + 1)..<cr]
        let result: RESPValue?
        switch type {
        case UInt8(ascii: "+"):
            result = .simpleString(String(decoding: body, as: UTF8.self))
        case UInt8(ascii: "-"):
            result = .error(String(decoding: body, as: UTF8.self))
        case UInt8(ascii: ":"):
            result = .integer(try Self.integer(body))
        case UInt8(ascii: "$"):
            let length = try Self.integer(body)
            if length == -1 {
                result = .bulkString(nil)
            } else {
                guard length >= 0 else { throw .invalidLength }
                guard length <= limits.maxBulkLength else { throw .bulkTooLong(Int(clamping: length)) }
                state = .bulk(length: Int(length))
                result = nil
            }
        case UInt8(ascii: "*"):
            let count = try Self.integer(body)
            if count == -1 {
                result = .array(nil)
            } else if count == 0 {
                result = .array([])
            } else {
                guard count > 0 else { throw .invalidLength }
                guard count <= limits.maxArrayCount else { throw .arrayTooLong(Int(clamping: count)) }
                guard stack.count < limits.maxDepth else { throw .tooDeep }
                // Reserve modestly: the count is the peer's claim, the elements have not arrived yet.
                var elements: [RESPValue] = []
                elements.reserveCapacity(min(Int(count), 64))
                stack.append(Frame(expected: Int(count), elements: elements))
                result = nil
            }
        default:
            throw .unknownType(type)
        }
        buffer.moveReaderIndex(forwardBy: cr + 2 - view.startIndex)
        return .some(result)
    }

    private static func integer(_ digits: ByteBufferView.SubSequence) throws(RESPParseError) -> Int64 {
        var index = digits.startIndex
        var negative = false
        if index < digits.endIndex, digits[index] == UInt8(ascii: "-") {
            negative = true
            index += 1
        }
        guard index < digits.endIndex, digits.endIndex - index <= 19 else { throw .invalidInteger }
        var value: Int64 = 0
        while index < digits.endIndex {
            let digit = digits[index] &- UInt8(ascii: "0")
            guard digit < 10 else { throw .invalidInteger }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(Int64(digit))
            guard !overflow1, !overflow2 else { throw .invalidInteger }
            value = sum
            index += 1
        }
        return negative ? -value : value
    }
}
