import EdgeCore

/// The v1 text format: `PROXY TCP4|TCP6 <src> <dst> <srcport> <dstport>\r\n`, or `PROXY UNKNOWN…\r\n`.
enum ProxyProtocolV1 {
    /// Parses one complete line, `PROXY ` through `\r\n` inclusive.
    static func parse(line: [UInt8]) -> Result<ProxyHeader, ProxyProtocolError> {
        guard line.count >= 2, line[line.count - 2] == UInt8(ascii: "\r") else {
            return .failure(.malformed("v1 line does not end with CRLF"))
        }
        let text = line[..<(line.count - 2)]
        guard text.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            return .failure(.malformed("v1 line has a byte that is not printable ASCII"))
        }
        let fields = text.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        guard fields.count >= 2, fields[0] == "PROXY" else { return .failure(.malformed("v1 line without PROXY")) }
        // UNKNOWN: the sender could not tell; whatever follows is to be ignored and the socket peer kept.
        if fields[1] == "UNKNOWN" { return .success(ProxyHeader(version: .v1, source: nil, destination: nil)) }
        guard fields[1] == "TCP4" || fields[1] == "TCP6" else {
            return .failure(.malformed("v1 protocol must be TCP4, TCP6 or UNKNOWN"))
        }
        guard fields.count == 6 else { return .failure(.malformed("v1 line needs exactly 6 fields")) }
        let wantsV6 = fields[1] == "TCP6"
        guard let source = address(fields[2], v6: wantsV6), let destination = address(fields[3], v6: wantsV6) else {
            return .failure(.malformed("v1 address is not a valid \(fields[1]) address"))
        }
        guard let sourcePort = port(fields[4]), let destinationPort = port(fields[5]) else {
            return .failure(.malformed("v1 port must be 0-65535 without leading zeros"))
        }
        return .success(ProxyHeader(
            version: .v1,
            source: ProxyEndpoint(address: source, port: sourcePort),
            destination: ProxyEndpoint(address: destination, port: destinationPort)
        ))
    }

    /// An address of the family the line announced (TCP6 text always has a colon).
    private static func address(_ text: String, v6: Bool) -> IPAddress? {
        guard text.contains(":") == v6, !text.contains("%") else { return nil }
        return IPAddress(text)
    }

    private static func port(_ text: String) -> UInt16? {
        guard !text.isEmpty, text.count <= 5, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        guard text == "0" || !text.hasPrefix("0") else { return nil }
        return UInt16(text)
    }
}
