import Synchronization

/// What the TLS handshakes of one listener came to, for `/status` and `/metrics`. Touched once per connection,
/// relaxed atomics.
public final class TLSHandshakeCounters: Sendable {
    /// Handshakes that completed.
    public let completed = Atomic<Int>(0)
    /// Handshakes that failed: not TLS at all (a plain-text client), no common version or cipher, the client
    /// gave up.
    public let failed = Atomic<Int>(0)
    /// Connections closed because the handshake had not finished within `listen.tls_handshake_timeout`.
    public let timedOut = Atomic<Int>(0)

    public init() {}
}
