import NIOCore

/// The timeouts of one client connection as deadlines, checked by a single timer per connection.
///
/// Scheduling and cancelling a NIO timer per request (header, upstream read, keep-alive idle) costs a heap
/// insertion, an allocation and a cancellation every time; here a request only writes a few integers.
/// The connection's one timer fires at `nextCheck(now:)`, which is never later than the earliest pending
/// deadline and never more than `granularity` (the shortest timeout) away. Every deadline set after the
/// timer was armed is at least `granularity` after the arming, so it never needs re-arming early.
struct ClientDeadlines {
    enum Expiry: Equatable {
        /// The request head was not complete within the header timeout (408).
        case header
        /// The upstream was silent longer than the read timeout (504, or a broken response).
        case upstreamRead
        /// The keep-alive connection was idle longer than the idle timeout (closed).
        case idle
    }

    var headerTimeout: TimeAmount
    var readTimeout: TimeAmount
    var idleTimeout: TimeAmount

    /// The first byte of the current request head arrived at; nil before it, and once the head is complete.
    var headStartedAt: NIODeadline?
    /// Between exchanges (or before the first): the next bytes start a head, and its first one starts the clock.
    var awaitingHead = true
    /// The upstream last sent something at; nil when no exchange waits on the upstream.
    var upstreamActiveAt: NIODeadline?
    /// The idle timeout expired once and the connection gets one more look before it is closed.
    var idleCloseDeferred = false
    /// The connection became idle (between requests, or before the first) at; nil while busy.
    var idleSince: NIODeadline?

    init(headerTimeout: TimeAmount, readTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.headerTimeout = headerTimeout
        self.readTimeout = readTimeout
        self.idleTimeout = idleTimeout
    }

    /// The shortest timeout: how far apart the connection's timer fires at most.
    var granularity: TimeAmount { min(headerTimeout, readTimeout, idleTimeout) }

    /// The earliest deadline that is pending.
    var earliest: NIODeadline? {
        var result: NIODeadline? = nil
        func consider(_ deadline: NIODeadline?) {
            guard let deadline else { return }
            if result.map({ deadline < $0 }) ?? true { result = deadline }
        }
        consider(headStartedAt.map { $0 + headerTimeout })
        consider(upstreamActiveAt.map { $0 + readTimeout })
        consider(idleSince.map { $0 + idleTimeout })
        return result
    }

    /// What expired by `now`, the header timeout first (it answers 408 while the others close or 504).
    func expired(now: NIODeadline) -> Expiry? {
        if let start = headStartedAt, now - start >= headerTimeout { return .header }
        if let active = upstreamActiveAt, now - active >= readTimeout { return .upstreamRead }
        if let since = idleSince, now - since >= idleTimeout { return .idle }
        return nil
    }

    /// When the timer should fire next.
    func nextCheck(now: NIODeadline) -> NIODeadline {
        let bound = now + granularity
        guard let earliest else { return bound }
        return min(earliest, bound)
    }
}
