import Synchronization

/// What the PROXY protocol decoders of one listener have seen, for `/status` and `/metrics`. Touched once per
/// connection (never per request), relaxed atomics.
public final class ProxyProtocolCounters: Sendable {
    /// Headers accepted with a client address (v1 TCP4/TCP6, v2 PROXY over IPv4/IPv6).
    public let proxied = Atomic<Int>(0)
    /// Headers accepted that keep the socket peer (v1 UNKNOWN, v2 LOCAL, unspecified or Unix families).
    public let local = Atomic<Int>(0)
    /// Connections from untrusted peers served without a header, as direct clients.
    public let direct = Atomic<Int>(0)
    /// Connections closed: a trusted peer sent no header, or an invalid or oversized one.
    public let rejectedInvalid = Atomic<Int>(0)
    /// Connections closed: a PROXY header from a peer outside `client_ip.trusted_proxies`.
    public let rejectedUntrusted = Atomic<Int>(0)
    /// Connections closed: the header did not arrive in time.
    public let timedOut = Atomic<Int>(0)

    public init() {}

    /// All connections closed by the decoder.
    public var rejected: Int {
        rejectedInvalid.load(ordering: .relaxed) + rejectedUntrusted.load(ordering: .relaxed)
            + timedOut.load(ordering: .relaxed)
    }

    func count(_ error: ProxyProtocolError) {
        switch error {
        case .untrustedPeer: rejectedUntrusted.add(1, ordering: .relaxed)
        case .timedOut: timedOut.add(1, ordering: .relaxed)
        case .missingHeader, .tooLong, .unsupportedVersion, .malformed: rejectedInvalid.add(1, ordering: .relaxed)
        }
    }
}
