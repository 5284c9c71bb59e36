/// Where the ASCII writers put their bytes: a growing byte array, or memory sized in advance
/// (`ASCIIMemoryWriter`).
protocol ASCIIOutput {
    mutating func append(_ bytes: UnsafeRawBufferPointer)
    mutating func append(_ byte: UInt8)
}

extension Array: ASCIIOutput where Element == UInt8 {
    @inline(__always)
    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        append(contentsOf: bytes)
    }
}

/// Writes into memory given by the caller, front to back, with no capacity or uniqueness checks per piece (the
/// caller reserved an upper bound first). A write past the end traps; it never writes out of bounds. Inlinable:
/// the proxy's head writer is built on it.
public struct ASCIIMemoryWriter: ASCIIOutput {
    @usableFromInline let memory: UnsafeMutableRawBufferPointer
    @usableFromInline var _count = 0
    @inlinable public var count: Int { _count }

    @inlinable
    public init(_ memory: UnsafeMutableRawBufferPointer) {
        self.memory = memory
    }

    @inlinable
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        precondition(bytes.count <= memory.count - _count, "text larger than its reserved bound")
        (memory.baseAddress! + _count).copyMemory(from: source, byteCount: bytes.count)
        _count += bytes.count
    }

    @inlinable
    public mutating func append(_ byte: UInt8) {
        precondition(_count < memory.count, "text larger than its reserved bound")
        memory[_count] = byte
        _count += 1
    }

    /// Lets `body` write up to `maxCount` bytes in place; it returns how many it wrote.
    @inlinable
    public mutating func appendInPlace(maxCount: Int, _ body: (UnsafeMutableRawBufferPointer) -> Int) {
        precondition(maxCount <= memory.count - _count, "text larger than its reserved bound")
        let written = body(UnsafeMutableRawBufferPointer(rebasing: memory[_count..<(_count + maxCount)]))
        precondition(written <= maxCount)
        _count += written
    }
}

/// Number and address formatting into byte arrays (or reserved memory), without Foundation and without
/// intermediate Strings.
public enum ASCII {
    @inline(__always)
    static func append<Output: ASCIIOutput>(_ text: StaticString, to output: inout Output) {
        output.append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    @inline(__always)
    static func append<Output: ASCIIOutput>(_ bytes: [UInt8], to output: inout Output) {
        bytes.withUnsafeBytes { output.append($0) }
    }

    static func ceilDiv(_ value: Int64, _ divisor: Int64) -> Int64 {
        value <= 0 ? value / divisor : (value + divisor - 1) / divisor
    }

    static func appendDecimal<Output: ASCIIOutput>(_ value: Int64, to buffer: inout Output) {
        if value < 0 {
            buffer.append(UInt8(ascii: "-"))
            appendDecimal(UInt64(value.magnitude), to: &buffer)
        } else {
            appendDecimal(UInt64(value), to: &buffer)
        }
    }

    static func appendDecimal<Output: ASCIIOutput>(_ value: UInt64, to buffer: inout Output) {
        withDecimalDigits(value) { buffer.append($0) }
    }

    /// Calls `body` with `value`'s decimal digits: produced right to left into 20 bytes on the stack, handed over in
    /// one piece (for the proxy's head writer as well as the appenders here).
    public static func withDecimalDigits(_ value: UInt64, _ body: (UnsafeRawBufferPointer) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            var rest = value
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: rest % 10)
                rest /= 10
            } while rest > 0
            body(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: digits[start..<20])))
        }
    }

    /// Nanoseconds as seconds with up to three decimals, rounded up to the millisecond (never shorter than
    /// the real wait) and without trailing zeros: `9.5`, `10`, `0.001`. With `forceFraction`, a whole
    /// number keeps one decimal (`10.0`) so JSON readers see a float.
    static func appendSeconds<Output: ASCIIOutput>(
        nanoseconds: Int64, forceFraction: Bool = false, to buffer: inout Output
    ) {
        let milliseconds = max(0, ceilDiv(nanoseconds, 1_000_000))
        appendDecimal(milliseconds / 1000, to: &buffer)
        var fraction = milliseconds % 1000
        guard fraction != 0 else {
            if forceFraction {
                buffer.append(UInt8(ascii: "."))
                buffer.append(UInt8(ascii: "0"))
            }
            return
        }
        buffer.append(UInt8(ascii: "."))
        var digits = 3
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        var divisor: Int64 = 1
        for _ in 1..<digits { divisor *= 10 }
        while divisor > 0 {
            buffer.append(UInt8(ascii: "0") + UInt8(fraction / divisor))
            fraction %= divisor
            divisor /= 10
        }
    }

    /// The canonical text of an address (dotted quad; RFC 5952 for IPv6), same as `IPAddress.description`.
    static func appendAddress<Output: ASCIIOutput>(_ address: IPAddress, to buffer: inout Output) {
        switch address {
        case .v4(let value):
            var shift: UInt32 = 24
            while true {
                appendDecimal(UInt64(value >> shift & 0xFF), to: &buffer)
                if shift == 0 { break }
                buffer.append(UInt8(ascii: "."))
                shift -= 8
            }
        case .v6(let high, let low):
            appendIPv6(high: high, low: low, to: &buffer)
        }
    }

    private static func appendIPv6<Output: ASCIIOutput>(high: UInt64, low: UInt64, to buffer: inout Output) {
        func group(_ i: Int) -> UInt16 {
            UInt16(truncatingIfNeeded: (i < 4 ? high : low) >> (UInt64(3 - i % 4) * 16))
        }
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8, group(i) == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { (bestStart, bestLength) = (runStart, i - runStart) }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var i = 0
        var needsColon = false
        while i < 8 {
            if i == bestStart {
                buffer.append(UInt8(ascii: ":"))
                buffer.append(UInt8(ascii: ":"))
                i += bestLength
                needsColon = false
                continue
            }
            if needsColon { buffer.append(UInt8(ascii: ":")) }
            appendHex(group(i), to: &buffer)
            needsColon = true
            i += 1
        }
    }

    private static func appendHex<Output: ASCIIOutput>(_ value: UInt16, to buffer: inout Output) {
        var shift: UInt16 = 12
        while shift > 0, value >> shift == 0 { shift -= 4 }
        while true {
            let nibble = UInt8(value >> shift & 0xF)
            buffer.append(nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10)
            if shift == 0 { break }
            shift -= 4
        }
    }
}
