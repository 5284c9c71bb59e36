/// Finds the client's address from the socket peer and `X-Forwarded-For` (CONTRACT section 3).
///
/// `X-Forwarded-For` is read only when the peer is a trusted proxy. Entries are walked right to left (the
/// nearest hop first), skipping trusted proxies; the first untrusted address is the client. The walk stops
/// at an entry that is not an address (garbage, `unknown`, an obfuscated identifier): the answer is then
/// the last good hop, which is the nearest trusted address walked so far (or the peer itself), because
/// nothing to the left of a garbage entry can be believed. When every entry is trusted, the leftmost one
/// is the client. A spoofed header from an untrusted peer changes nothing: the peer is the client.
public struct ClientAddressResolver: Sendable {
    public let trustedProxies: [CIDR]

    public init(trustedProxies: [CIDR]) {
        self.trustedProxies = trustedProxies
    }

    /// Whether `address` lies in one of the trusted proxy blocks.
    public func isTrusted(_ address: IPAddress) -> Bool {
        for block in trustedProxies where block.contains(address) { return true }
        return false
    }

    /// The client address. `forwardedFor` holds the values of every `X-Forwarded-For` header in the order
    /// they appeared; each may list several comma-separated entries.
    public func resolve(peer: IPAddress, forwardedFor: [Substring]) -> IPAddress {
        guard !trustedProxies.isEmpty, isTrusted(peer) else { return peer }
        var lastGoodHop = peer
        for header in forwardedFor.reversed() {
            if let client = walk(header, lastGoodHop: &lastGoodHop) { return client }
        }
        return lastGoodHop
    }

    /// The same for header values as Strings (as `HTTPHeaders` hands them out), without copying them.
    public func resolve(peer: IPAddress, forwardedFor: [String]) -> IPAddress {
        guard !trustedProxies.isEmpty, isTrusted(peer) else { return peer }
        var lastGoodHop = peer
        for header in forwardedFor.reversed() {
            if let client = walk(header[...], lastGoodHop: &lastGoodHop) { return client }
        }
        return lastGoodHop
    }

    /// Walks one header value right to left. Returns the answer when the walk ends inside it (an untrusted
    /// address, or garbage: then `lastGoodHop`); nil to go on with the header before it.
    private func walk(_ header: Substring, lastGoodHop: inout IPAddress) -> IPAddress? {
        var rest = header
        var lastEntry = false
        while !lastEntry {
            let entry: Substring
            if let comma = rest.lastIndex(of: ",") {
                entry = rest[rest.index(after: comma)...]
                rest = rest[..<comma]
            } else {
                entry = rest
                lastEntry = true
            }
            let trimmed = ForwardedForEntry.trimmed(entry)
            guard !trimmed.isEmpty else { continue }
            guard let address = ForwardedForEntry.address(trimmed) else { return lastGoodHop }
            guard isTrusted(address) else { return address }
            lastGoodHop = address
        }
        return nil
    }
}

/// Parsing of one `X-Forwarded-For` entry.
enum ForwardedForEntry {
    /// The entry without surrounding spaces and tabs.
    static func trimmed(_ entry: Substring) -> Substring {
        var start = entry.startIndex
        var end = entry.endIndex
        while start < end, entry[start] == " " || entry[start] == "\t" { start = entry.index(after: start) }
        while end > start {
            let before = entry.index(before: end)
            guard entry[before] == " " || entry[before] == "\t" else { break }
            end = before
        }
        return entry[start..<end]
    }

    /// An address from `1.2.3.4`, `1.2.3.4:5`, `2001:db8::1`, `[2001:db8::1]` or `[2001:db8::1]:443`;
    /// nil for anything else.
    static func address(_ text: Substring) -> IPAddress? {
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]") else { return nil }
            let after = text[text.index(after: close)...]
            guard after.isEmpty || isPort(after) else { return nil }
            let inner = text[text.index(after: text.startIndex)..<close]
            guard inner.contains(":") else { return nil }
            return IPAddress(inner)
        }
        if let colon = text.firstIndex(of: ":"), text.lastIndex(of: ":") == colon {
            // Exactly one colon: IPv4 with a port.
            guard isPort(text[colon...]) else { return nil }
            let host = text[..<colon]
            guard !host.contains(":") else { return nil }
            let address = IPAddress(host)
            return address?.isIPv4 == true ? address : nil
        }
        return IPAddress(text)
    }

    /// `:` followed by a decimal port, 0...65535.
    private static func isPort(_ text: Substring) -> Bool {
        guard text.first == ":" else { return false }
        let digits = text.utf8.dropFirst()
        guard (1...5).contains(digits.count) else { return false }
        var value = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return false }
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
        }
        return value <= 65535
    }
}
