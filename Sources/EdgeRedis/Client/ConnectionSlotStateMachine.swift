import NIOCore

/// The life of one pooled connection, apart from any I/O: idle → connecting → connected, and after a failed
/// attempt a backoff during which commands fail at once (a dead Redis must not make callers wait for a connect
/// that is known to fail). A closed connection goes back to idle; the next command reconnects.
///
/// Backoff: `initial * 2^attempt`, capped at `maximum`, then scaled into `[1/2, 1]` by the jitter the caller
/// draws, so a fleet that lost Redis together does not reconnect in lockstep.
struct ConnectionSlotStateMachine<Connection: AnyObject> {
    enum State {
        case idle(attempt: Int)
        case connecting(attempt: Int)
        case connected(Connection)
        case backingOff(until: NIODeadline, attempt: Int, lastError: RedisClientError)
        case shutDown
    }

    enum CommandAction {
        /// Send on this connection.
        case send(Connection)
        /// Start connecting, and queue the command until it is done.
        case connect
        /// A connect is under way: queue the command.
        case wait
        case fail(RedisClientError)
    }

    enum ConnectedAction {
        /// Send the queued commands on the new connection.
        case flushWaiters(Connection)
        /// The slot was shut down meanwhile: close the new connection and fail the waiters.
        case closeAndFailWaiters(Connection, RedisClientError)
    }

    let initialBackoff: TimeAmount
    let maximumBackoff: TimeAmount
    private(set) var state = State.idle(attempt: 0)

    init(initialBackoff: TimeAmount, maximumBackoff: TimeAmount) {
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
    }

    var connection: Connection? {
        if case .connected(let connection) = state { return connection }
        return nil
    }

    mutating func commandRequested(now: NIODeadline) -> CommandAction {
        switch state {
        case .idle(let attempt):
            state = .connecting(attempt: attempt)
            return .connect
        case .connecting:
            return .wait
        case .connected(let connection):
            return .send(connection)
        case .backingOff(let until, let attempt, let lastError):
            guard now >= until else { return .fail(.unavailable(lastError: lastError.description)) }
            state = .connecting(attempt: attempt)
            return .connect
        case .shutDown:
            return .fail(.shutdown)
        }
    }

    mutating func connectSucceeded(_ connection: Connection) -> ConnectedAction {
        guard case .connecting = state else { return .closeAndFailWaiters(connection, .shutdown) }
        state = .connected(connection)
        return .flushWaiters(connection)
    }

    /// Returns the delay before the next attempt; the waiters fail with `error`.
    @discardableResult
    mutating func connectFailed(_ error: RedisClientError, now: NIODeadline, jitter: Double) -> TimeAmount {
        guard case .connecting(let attempt) = state else { return .zero }
        let delay = backoff(attempt: attempt, jitter: jitter)
        state = .backingOff(until: now + delay, attempt: attempt + 1, lastError: error)
        return delay
    }

    /// The connection closed (by Redis, the network, or a command timeout); the next command reconnects.
    mutating func connectionClosed(_ connection: Connection) {
        guard case .connected(let current) = state, current === connection else { return }
        state = .idle(attempt: 0)
    }

    /// Returns the connection to close, if any.
    mutating func shutdown() -> Connection? {
        let current = connection
        state = .shutDown
        return current
    }

    /// `initial * 2^attempt` capped at the maximum, scaled into [1/2, 1] by `jitter` in [0, 1].
    func backoff(attempt: Int, jitter: Double) -> TimeAmount {
        let cap = maximumBackoff.nanoseconds
        var base = max(1, initialBackoff.nanoseconds)
        for _ in 0..<min(attempt, 62) where base < cap { base *= 2 }
        base = min(base, cap)
        let fraction = 0.5 + 0.5 * min(1, max(0, jitter))
        return .nanoseconds(Int64(Double(base) * fraction))
    }
}
