import EdgeCore

/// The v2 binary format: signature, version/command, family/protocol, length, addresses, TLVs.
enum ProxyProtocolV2 {
    private static let commandLocal: UInt8 = 0x0
    private static let commandProxy: UInt8 = 0x1
    private static let familyUnspecified: UInt8 = 0x0
    private static let familyInet: UInt8 = 0x1
    private static let familyInet6: UInt8 = 0x2
    private static let familyUnix: UInt8 = 0x3
    private static let protocolStream: UInt8 = 0x1

    /// Parses a complete header (its 16 fixed bytes and the `length` that follow).
    static func parse(header bytes: [UInt8]) -> Result<ProxyHeader, ProxyProtocolError> {
        let versionCommand = bytes[12]
        guard versionCommand >> 4 == 2 else { return .failure(.unsupportedVersion(versionCommand >> 4)) }
        let command = versionCommand & 0x0F
        let family = bytes[13] >> 4
        let transport = bytes[13] & 0x0F
        let block = bytes[16...]
        switch command {
        case commandLocal:
            // Health checks from the load balancer itself: keep the real endpoints, skip the whole block.
            return .success(ProxyHeader(version: .v2, source: nil, destination: nil))
        case commandProxy:
            break
        default:
            return .failure(.malformed("v2 command \(command) is neither LOCAL nor PROXY"))
        }
        let addressLength: Int
        switch family {
        case familyUnspecified: addressLength = 0
        case familyInet: addressLength = 12
        case familyInet6: addressLength = 36
        case familyUnix: addressLength = 216
        default: return .failure(.malformed("v2 address family \(family) is unknown"))
        }
        guard block.count >= addressLength else {
            return .failure(.malformed("v2 length \(block.count) is shorter than its address block"))
        }
        guard let tlvs = parseTLVs(block.dropFirst(addressLength)) else {
            return .failure(.malformed("v2 TLV overruns the header"))
        }
        guard family == familyInet || family == familyInet6 else {
            // Unspecified or Unix-socket addresses mean nothing to an IP rate limiter: keep the socket peer.
            return .success(ProxyHeader(version: .v2, source: nil, destination: nil, tlvs: tlvs))
        }
        guard transport == protocolStream else {
            return .failure(.malformed("v2 transport \(transport) is not STREAM (TCP)"))
        }
        let size = family == familyInet ? 4 : 16
        let start = block.startIndex
        guard let source = IPAddress(bytes: Array(block[start..<start + size])),
              let destination = IPAddress(bytes: Array(block[start + size..<start + 2 * size])) else {
            return .failure(.malformed("v2 address"))
        }
        let ports = start + 2 * size
        let sourcePort = UInt16(block[ports]) << 8 | UInt16(block[ports + 1])
        let destinationPort = UInt16(block[ports + 2]) << 8 | UInt16(block[ports + 3])
        return .success(ProxyHeader(
            version: .v2,
            source: ProxyEndpoint(address: source, port: sourcePort),
            destination: ProxyEndpoint(address: destination, port: destinationPort),
            tlvs: tlvs
        ))
    }

    /// Type (1 byte), length (2 bytes, big endian), value; nil when one runs past the end.
    private static func parseTLVs(_ bytes: ArraySlice<UInt8>) -> [ProxyTLV]? {
        var tlvs: [ProxyTLV] = []
        var index = bytes.startIndex
        while index < bytes.endIndex {
            guard bytes.endIndex - index >= 3 else { return nil }
            let length = Int(bytes[index + 1]) << 8 | Int(bytes[index + 2])
            let valueStart = index + 3
            guard bytes.endIndex - valueStart >= length else { return nil }
            tlvs.append(ProxyTLV(type: bytes[index], value: Array(bytes[valueStart..<valueStart + length])))
            index = valueStart + length
        }
        return tlvs
    }
}
