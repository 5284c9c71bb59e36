import NIOCore

/// Reads a PROXY protocol header (v1 text or v2 binary) from the first bytes of a connection. Pure: no I/O,
/// no timers; `ProxyProtocolDecoder` feeds it the bytes received so far and runs what it returns.
///
/// Bounded: a v1 line is at most 107 bytes including CRLF (the spec's worst case), a v2 header at most
/// `maximumV2Length` bytes, so a peer can never make it buffer more. Fed the same growing buffer again after
/// `.needMoreData`, it resumes where it stopped rather than rescanning.
struct ProxyProtocolParser {
    /// Whether the peer must send a header (a trusted load balancer) or must not (anyone else).
    enum Expectation: Sendable {
        case required
        case forbidden
    }

    enum Step: Equatable {
        /// Not decided yet: call again with more bytes.
        case needMoreData
        /// A header of `length` bytes at the start of the buffer; the connection's data follows it.
        case header(ProxyHeader, length: Int)
        /// No header (allowed for this peer): every byte belongs to the connection.
        case noHeader
        /// Close the connection.
        case invalid(ProxyProtocolError)
    }

    /// v1: `PROXY UNKNOWN ffff:…:ffff ffff:…:ffff 65535 65535\r\n` is the longest legal line (the spec's 107).
    static let maximumV1Length = 107
    /// v2's fixed part: 12-byte signature, version/command, family/protocol, 2-byte length.
    static let v2FixedLength = 16
    static let v1Signature = Array("PROXY ".utf8)
    static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]

    private enum State {
        case detecting
        /// A v1 line: CRLF not found in the first `scanned` bytes.
        case v1(scanned: Int)
        case v2
        case done
    }

    let expectation: Expectation
    /// Largest v2 header accepted (fixed part + addresses + TLVs). 16 + 216 (Unix addresses) is the spec's
    /// minimum for a receiver; the default leaves room for a load balancer's TLVs.
    let maximumV2Length: Int
    private var state = State.detecting

    init(expectation: Expectation, maximumV2Length: Int = 2048) {
        self.expectation = expectation
        self.maximumV2Length = max(maximumV2Length, 16 + 216)
    }

    /// Looks at `buffer`'s readable bytes (without consuming them) and says what to do.
    mutating func parse(_ buffer: ByteBuffer) -> Step {
        let step: Step
        switch state {
        case .detecting:
            step = detect(buffer)
        case .v1(let scanned):
            step = parseV1(buffer, from: scanned)
        case .v2:
            step = parseV2(buffer)
        case .done:
            preconditionFailure("ProxyProtocolParser used after it decided")
        }
        if step != .needMoreData { state = .done }
        return step
    }

    /// Compares the first bytes with both signatures; decides as soon as one matches or both differ.
    private mutating func detect(_ buffer: ByteBuffer) -> Step {
        let available = buffer.readableBytes
        let matchesV1 = Self.prefixMatches(buffer, Self.v1Signature)
        let matchesV2 = Self.prefixMatches(buffer, Self.v2Signature)
        guard matchesV1 || matchesV2 else {
            return expectation == .required ? .invalid(.missingHeader) : .noHeader
        }
        if matchesV1, available >= Self.v1Signature.count {
            guard expectation == .required else { return .invalid(.untrustedPeer) }
            state = .v1(scanned: Self.v1Signature.count)
            return parseV1(buffer, from: Self.v1Signature.count)
        }
        if matchesV2, available >= Self.v2Signature.count {
            guard expectation == .required else { return .invalid(.untrustedPeer) }
            state = .v2
            return parseV2(buffer)
        }
        return .needMoreData
    }

    /// Whether the readable bytes and `signature` agree on their common length.
    private static func prefixMatches(_ buffer: ByteBuffer, _ signature: [UInt8]) -> Bool {
        let count = min(buffer.readableBytes, signature.count)
        return buffer.withUnsafeReadableBytes { bytes in
            for index in 0..<count where bytes[index] != signature[index] { return false }
            return true
        }
    }

    private mutating func parseV1(_ buffer: ByteBuffer, from scanned: Int) -> Step {
        let limit = min(buffer.readableBytes, Self.maximumV1Length)
        let newline: Int? = buffer.withUnsafeReadableBytes { bytes in
            (scanned..<limit).first { bytes[$0] == UInt8(ascii: "\n") }
        }
        guard let newline else {
            if buffer.readableBytes >= Self.maximumV1Length { return .invalid(.tooLong) }
            state = .v1(scanned: limit)
            return .needMoreData
        }
        let line = buffer.getBytes(at: buffer.readerIndex, length: newline + 1) ?? []
        switch ProxyProtocolV1.parse(line: line) {
        case .success(let header): return .header(header, length: newline + 1)
        case .failure(let error): return .invalid(error)
        }
    }

    private mutating func parseV2(_ buffer: ByteBuffer) -> Step {
        guard buffer.readableBytes >= Self.v2FixedLength,
              let length = buffer.getInteger(at: buffer.readerIndex + 14, as: UInt16.self)
        else { return .needMoreData }
        let total = Self.v2FixedLength + Int(length)
        guard total <= maximumV2Length else { return .invalid(.tooLong) }
        guard buffer.readableBytes >= total, let bytes = buffer.getBytes(at: buffer.readerIndex, length: total) else {
            return .needMoreData
        }
        switch ProxyProtocolV2.parse(header: bytes) {
        case .success(let header): return .header(header, length: total)
        case .failure(let error): return .invalid(error)
        }
    }
}
