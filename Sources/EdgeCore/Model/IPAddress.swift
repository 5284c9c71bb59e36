/// An IPv4 or IPv6 address as a value: hashable, cheap to copy, used as the client key of rate-limit buckets.
///
/// IPv4-mapped IPv6 addresses (`::ffff:a.b.c.d`) are folded into IPv4 so a dual-stack listener gives one
/// client one bucket. `description` is the canonical text form (RFC 5952 for IPv6) used in bucket names.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6(high: UInt64, low: UInt64)

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (with `::` and an optional embedded IPv4 tail).
    /// A zone suffix (`%eth0`) is ignored. Returns nil for anything else.
    public init?<S: StringProtocol>(_ text: S) {
        var bytes = Array(text.utf8)
        if let percent = bytes.firstIndex(of: UInt8(ascii: "%")) { bytes.removeSubrange(percent...) }
        if bytes.contains(UInt8(ascii: ":")) {
            guard let (high, low) = IPAddress.parseV6(bytes[...]) else { return nil }
            self = IPAddress.folded(high: high, low: low)
        } else {
            guard let v4 = IPAddress.parseV4(bytes[...]) else { return nil }
            self = .v4(v4)
        }
    }

    /// Builds an address from raw network-order bytes (4 or 16 of them), as socket APIs hand them out.
    public init?(bytes: [UInt8]) {
        switch bytes.count {
        case 4:
            self = .v4(bytes.reduce(0) { $0 << 8 | UInt32($1) })
        case 16:
            let high = bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let low = bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            self = IPAddress.folded(high: high, low: low)
        default:
            return nil
        }
    }

    /// `::ffff:a.b.c.d` becomes `.v4`, everything else stays IPv6.
    private static func folded(high: UInt64, low: UInt64) -> IPAddress {
        if high == 0, low >> 32 == 0xFFFF { return .v4(UInt32(truncatingIfNeeded: low)) }
        return .v6(high: high, low: low)
    }

    public var isIPv4: Bool {
        if case .v4 = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .v4(let value):
            return "\(value >> 24).\(value >> 16 & 0xFF).\(value >> 8 & 0xFF).\(value & 0xFF)"
        case .v6(let high, let low):
            return IPAddress.formatV6(high: high, low: low)
        }
    }

    private static func parseV4(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        var result: UInt32 = 0
        var octets = 0
        var current: UInt32 = 0
        var digits = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, octets < 3 else { return nil }
                result = result << 8 | current
                octets += 1
                current = 0
                digits = 0
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                // Leading zeros are refused: "010" is octal to some parsers and decimal to others.
                if digits > 0, current == 0 { return nil }
                current = current * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                guard current <= 255 else { return nil }
            } else {
                return nil
            }
        }
        guard digits > 0, octets == 3 else { return nil }
        return result << 8 | current
    }

    private static func parseV6(_ bytes: ArraySlice<UInt8>) -> (UInt64, UInt64)? {
        var groups: [UInt16] = []
        var gapIndex: Int? = nil
        var index = bytes.startIndex
        if bytes.starts(with: [UInt8(ascii: ":"), UInt8(ascii: ":")]) {
            gapIndex = 0
            index += 2
            if index == bytes.endIndex { return (0, 0) }
        } else if bytes.first == UInt8(ascii: ":") {
            return nil
        }
        while index < bytes.endIndex {
            var end = index
            while end < bytes.endIndex, bytes[end] != UInt8(ascii: ":") { end += 1 }
            let field = bytes[index..<end]
            if field.contains(UInt8(ascii: ".")) {
                // Embedded IPv4 tail: only as the last field.
                guard end == bytes.endIndex, let v4 = parseV4(field) else { return nil }
                groups.append(UInt16(v4 >> 16))
                groups.append(UInt16(v4 & 0xFFFF))
                index = end
                break
            }
            guard !field.isEmpty, field.count <= 4 else { return nil }
            var value: UInt16 = 0
            for byte in field {
                guard let nibble = hexValue(byte) else { return nil }
                value = value << 4 | UInt16(nibble)
            }
            groups.append(value)
            index = end
            if index < bytes.endIndex {
                index += 1  // the ':'
                if index < bytes.endIndex, bytes[index] == UInt8(ascii: ":") {
                    guard gapIndex == nil else { return nil }
                    gapIndex = groups.count
                    index += 1
                    if index == bytes.endIndex { break }
                } else if index == bytes.endIndex {
                    return nil  // trailing single ':'
                }
            }
        }
        if let gap = gapIndex {
            guard groups.count < 8 else { return nil }
            groups.insert(contentsOf: repeatElement(0, count: 8 - groups.count), at: gap)
        }
        guard groups.count == 8 else { return nil }
        let high = groups[0..<4].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        let low = groups[4..<8].reduce(UInt64(0)) { $0 << 16 | UInt64($1) }
        return (high, low)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// RFC 5952: lowercase, no leading zeros, the longest run (2+) of zero groups as `::`, first such run on ties.
    private static func formatV6(high: UInt64, low: UInt64) -> String {
        let groups = (0..<8).map { i -> UInt16 in
            let word = i < 4 ? high : low
            return UInt16(truncatingIfNeeded: word >> (UInt64(3 - i % 4) * 16))
        }
        var bestStart = -1, bestLength = 0, runStart = -1
        for i in 0...8 {
            if i < 8, groups[i] == 0 {
                if runStart < 0 { runStart = i }
            } else if runStart >= 0 {
                if i - runStart > bestLength { bestStart = runStart; bestLength = i - runStart }
                runStart = -1
            }
        }
        if bestLength < 2 { bestStart = -1 }
        var text = ""
        var i = 0
        while i < 8 {
            if i == bestStart {
                text += "::"
                i += bestLength
                continue
            }
            if !text.isEmpty, !text.hasSuffix(":") { text += ":" }
            text += String(groups[i], radix: 16)
            i += 1
        }
        return text
    }
}
