import EdgeCore
import NIOCore
import Testing

@testable import EdgeProxy

/// HAProxy's PROXY protocol, versions 1 and 2, parsed alone (no channel).
@Suite struct ProxyProtocolParserTests {
    /// Parses `bytes` delivered all at once.
    static func parse(_ bytes: [UInt8], _ expectation: ProxyProtocolParser.Expectation = .required)
        -> ProxyProtocolParser.Step
    {
        var parser = ProxyProtocolParser(expectation: expectation)
        return parser.parse(ByteBuffer(bytes: bytes))
    }

    static func v1(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test func v1TCP4() {
        let line = Self.v1("PROXY TCP4 203.0.113.7 10.0.0.1 56324 443\r\n")
        let step = Self.parse(line + Array("GET / HTTP/1.1\r\n".utf8))
        let expected = ProxyHeader(
            version: .v1, source: ProxyEndpoint(address: IPAddress("203.0.113.7")!, port: 56324),
            destination: ProxyEndpoint(address: IPAddress("10.0.0.1")!, port: 443))
        #expect(step == .header(expected, length: line.count))
    }

    @Test func v1TCP6() {
        let line = Self.v1("PROXY TCP6 2001:db8::7 2001:db8::1 65535 8080\r\n")
        guard case .header(let header, let length) = Self.parse(line) else { Issue.record("no header"); return }
        #expect(length == line.count)
        #expect(header.source?.address == IPAddress("2001:db8::7"))
        #expect(header.source?.port == 65535)
        #expect(header.destination?.description == "[2001:db8::1]:8080")
    }

    @Test func v1LongestLegalLine() {
        let longest = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"
        #expect(longest.utf8.count == ProxyProtocolParser.maximumV1Length)
        guard case .header = Self.parse(Self.v1(longest)) else { Issue.record("refused"); return }
    }

    @Test func v1UnknownKeepsTheSocketPeer() {
        for line in ["PROXY UNKNOWN\r\n", "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"] {
            let step = Self.parse(Self.v1(line))
            #expect(step == .header(ProxyHeader(version: .v1), length: line.utf8.count), "\(line)")
        }
    }

    @Test(arguments: [
        "PROXY TCP4 203.0.113.7 10.0.0.1 56324\r\n",          // a field missing
        "PROXY TCP4 203.0.113.7 10.0.0.1 56324 443 9\r\n",    // one too many
        "PROXY TCP4 2001:db8::1 10.0.0.1 1 2\r\n",            // family mismatch
        "PROXY TCP6 10.0.0.2 10.0.0.1 1 2\r\n",
        "PROXY TCP4 256.0.0.1 10.0.0.1 1 2\r\n",
        "PROXY TCP4 10.0.0.2 10.0.0.1 65536 2\r\n",
        "PROXY TCP4 10.0.0.2 10.0.0.1 0443 2\r\n",           // leading zero
        "PROXY TCP4 10.0.0.2  10.0.0.1 1 2\r\n",             // double space
        "PROXY UDP4 10.0.0.2 10.0.0.1 1 2\r\n",
        "PROXY TCP4 10.0.0.2 10.0.0.1 1 2\n",                // LF without CR
        "PROXY TCP4 10.0.0.2 10.0.0.1 -1 2\r\n",
    ])
    func v1Malformed(line: String) {
        guard case .invalid(.malformed) = Self.parse(Self.v1(line)) else {
            Issue.record("accepted: \(line.debugDescription)")
            return
        }
    }

    @Test func v1WithoutCRLFWithin107BytesIsTooLong() {
        let line = "PROXY TCP4 " + String(repeating: "1", count: 200)
        #expect(Self.parse(Self.v1(line)) == .invalid(.tooLong))
        // 106 bytes and no CRLF yet: still waiting.
        #expect(Self.parse(Array(Self.v1(line).prefix(106))) == .needMoreData)
    }

    @Test func v2IPv4WithTLVs() {
        let tlvs: [ProxyTLV] = [
            ProxyTLV(type: ProxyTLV.authority, value: Array("chat.example.com".utf8)),
            ProxyTLV(type: 0xEA, value: [0x01] + Array("vpce-0123".utf8)),
            ProxyTLV(type: ProxyTLV.uniqueID, value: []),
        ]
        let header = ProxyV2.header(
            command: 0x1, family: 0x1, source: [203, 0, 113, 7], destination: [10, 0, 0, 1],
            ports: (40000, 443), tlvs: tlvs)
        let step = Self.parse(header + Array("GET".utf8))
        let expected = ProxyHeader(
            version: .v2, source: ProxyEndpoint(address: IPAddress("203.0.113.7")!, port: 40000),
            destination: ProxyEndpoint(address: IPAddress("10.0.0.1")!, port: 443), tlvs: tlvs)
        #expect(step == .header(expected, length: header.count))
    }

    @Test func v2IPv6() {
        let source = IPAddress("2001:db8::7")!
        let header = ProxyV2.header(
            command: 0x1, family: 0x2, source: ProxyV2.bytes(source), destination: ProxyV2.bytes(IPAddress("::1")!),
            ports: (1, 65535))
        guard case .header(let parsed, let length) = Self.parse(header) else { Issue.record("refused"); return }
        #expect(length == 16 + 36)
        #expect(parsed.source == ProxyEndpoint(address: source, port: 1))
        #expect(parsed.destination?.port == 65535)
    }

    @Test func v2LocalKeepsTheSocketPeerAndSkipsItsBlock() {
        let header = ProxyV2.header(command: 0x0, family: 0x1, source: [1, 2, 3, 4], destination: [5, 6, 7, 8],
                                    ports: (1, 2), tlvs: [ProxyTLV(type: 0x04, value: [0, 0])])
        #expect(Self.parse(header) == .header(ProxyHeader(version: .v2), length: header.count))
    }

    @Test func v2UnspecifiedAndUnixFamiliesKeepTheSocketPeer() {
        let unspecified = ProxyV2.raw(versionCommand: 0x21, familyProtocol: 0x00, block: [])
        #expect(Self.parse(unspecified) == .header(ProxyHeader(version: .v2), length: 16))
        let unix = ProxyV2.raw(versionCommand: 0x21, familyProtocol: 0x31, block: [UInt8](repeating: 0, count: 216))
        #expect(Self.parse(unix) == .header(ProxyHeader(version: .v2), length: 16 + 216))
    }

    @Test func v2Malformed() {
        let cases: [(String, [UInt8])] = [
            ("version 1", ProxyV2.raw(versionCommand: 0x11, familyProtocol: 0x11, block: [UInt8](repeating: 0, count: 12))),
            ("command 2", ProxyV2.raw(versionCommand: 0x22, familyProtocol: 0x11, block: [UInt8](repeating: 0, count: 12))),
            ("family 4", ProxyV2.raw(versionCommand: 0x21, familyProtocol: 0x41, block: [UInt8](repeating: 0, count: 12))),
            ("short block", ProxyV2.raw(versionCommand: 0x21, familyProtocol: 0x11, block: [UInt8](repeating: 0, count: 11))),
            ("datagram", ProxyV2.raw(versionCommand: 0x21, familyProtocol: 0x12, block: [UInt8](repeating: 0, count: 12))),
            ("TLV overrun", ProxyV2.raw(versionCommand: 0x21, familyProtocol: 0x11,
                                        block: [UInt8](repeating: 0, count: 12) + [0x02, 0x00, 0x09, 0x41])),
            ("TLV cut", ProxyV2.raw(versionCommand: 0x21, familyProtocol: 0x11,
                                    block: [UInt8](repeating: 0, count: 12) + [0x02, 0x00])),
        ]
        for (name, bytes) in cases {
            switch Self.parse(bytes) {
            case .invalid(.malformed), .invalid(.unsupportedVersion): break
            case let other: Issue.record("\(name): \(other)")
            }
        }
    }

    @Test func v2OverTheLengthBoundIsRefusedBeforeItArrives() {
        // Only the fixed part is sent: the announced length alone is enough to refuse.
        let fixed = ProxyV2.signature + [0x21, 0x11, 0xFF, 0xFF]
        #expect(Self.parse(fixed) == .invalid(.tooLong))
        var parser = ProxyProtocolParser(expectation: .required, maximumV2Length: 512)
        let big = ProxyV2.header(command: 0x1, family: 0x1, source: [1, 1, 1, 1], destination: [2, 2, 2, 2],
                                 ports: (1, 2), tlvs: [ProxyTLV(type: 0xE0, value: [UInt8](repeating: 7, count: 600))])
        #expect(parser.parse(ByteBuffer(bytes: big)) == .invalid(.tooLong))
    }

    /// Every header, fed one byte at a time, gives the same result as fed at once.
    @Test func fragmentedByteByByte() {
        let headers: [[UInt8]] = [
            Self.v1("PROXY TCP4 203.0.113.7 10.0.0.1 56324 443\r\n"),
            Self.v1("PROXY UNKNOWN\r\n"),
            ProxyV2.header(command: 0x1, family: 0x1, source: [9, 8, 7, 6], destination: [1, 2, 3, 4], ports: (5, 6),
                           tlvs: [ProxyTLV(type: 0x02, value: Array("a.example".utf8))]),
            ProxyV2.header(command: 0x0, family: 0x0, source: [], destination: [], ports: nil),
        ]
        for header in headers {
            let whole = Self.parse(header)
            var parser = ProxyProtocolParser(expectation: .required)
            var buffer = ByteBuffer()
            var step = ProxyProtocolParser.Step.needMoreData
            for (index, byte) in header.enumerated() {
                buffer.writeInteger(byte)
                step = parser.parse(buffer)
                if index < header.count - 1 { #expect(step == .needMoreData, "decided early at byte \(index)") }
            }
            #expect(step == whole)
        }
    }

    @Test func garbageFromATrustedPeerIsAMissingHeader() {
        for garbage in ["GET / HTTP/1.1\r\n", "PROX\u{1}", "\r\n\r\n\0\r\nQUIX", "\u{16}\u{3}\u{1}"] {
            #expect(Self.parse(Array(garbage.utf8)) == .invalid(.missingHeader), "\(garbage.debugDescription)")
        }
        #expect(Self.parse([]) == .needMoreData)
    }

    @Test func untrustedPeerIsServedDirectlyButMayNotSendAHeader() {
        #expect(Self.parse(Array("GET / HTTP/1.1\r\n".utf8), .forbidden) == .noHeader)
        #expect(Self.parse(Array("POST /x".utf8), .forbidden) == .noHeader)
        #expect(Self.parse(Array("PRO".utf8), .forbidden) == .needMoreData)
        #expect(Self.parse(Array("PROPFIND /".utf8), .forbidden) == .noHeader)
        #expect(Self.parse(Self.v1("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n"), .forbidden) == .invalid(.untrustedPeer))
        let v2 = ProxyV2.header(command: 0x1, family: 0x1, source: [1, 2, 3, 4], destination: [5, 6, 7, 8], ports: (1, 2))
        #expect(Self.parse(v2, .forbidden) == .invalid(.untrustedPeer))
        #expect(Self.parse(Array(v2.prefix(12)), .forbidden) == .invalid(.untrustedPeer))
    }
}

/// Builds v2 headers for tests.
enum ProxyV2 {
    static let signature = ProxyProtocolParser.v2Signature

    static func raw(versionCommand: UInt8, familyProtocol: UInt8, block: [UInt8]) -> [UInt8] {
        signature + [versionCommand, familyProtocol, UInt8(block.count >> 8), UInt8(block.count & 0xFF)] + block
    }

    /// A version-2 header over STREAM (`family` 1 IPv4, 2 IPv6, 0 unspecified).
    static func header(
        command: UInt8, family: UInt8, source: [UInt8], destination: [UInt8], ports: (UInt16, UInt16)?,
        tlvs: [ProxyTLV] = []
    ) -> [UInt8] {
        var block = source + destination
        if let ports {
            block += [UInt8(ports.0 >> 8), UInt8(ports.0 & 0xFF), UInt8(ports.1 >> 8), UInt8(ports.1 & 0xFF)]
        }
        for tlv in tlvs {
            block += [tlv.type, UInt8(tlv.value.count >> 8), UInt8(tlv.value.count & 0xFF)] + tlv.value
        }
        let transport: UInt8 = family == 0 ? 0 : 1
        return raw(versionCommand: 0x20 | command, familyProtocol: family << 4 | transport, block: block)
    }

    static func bytes(_ address: IPAddress) -> [UInt8] {
        switch address {
        case .v4(let value):
            return (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) }
        case .v6(let high, let low):
            return (0..<8).map { UInt8(truncatingIfNeeded: high >> (56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: low >> (56 - 8 * $0)) }
        }
    }
}
