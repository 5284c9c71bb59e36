/// What can go wrong talking to Redis. Every case says what the caller or operator can act on; none carries
/// a password.
public enum RedisClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `rate_limits.store` is not `redis://[[user]:password@]host:port[/db]`.
    case invalidURL(String)
    /// The TCP connection (and AUTH/SELECT) did not finish within the connect timeout.
    case connectTimeout(host: String, port: Int)
    /// A reply did not arrive within the command timeout; the connection is closed and reopened.
    case commandTimeout(command: String)
    /// The connection closed with the command in flight.
    case connectionClosed
    /// The last connection attempts failed and the client is waiting before the next one (backoff); the
    /// command was not sent.
    case unavailable(lastError: String)
    /// Redis answered with an error reply (`NOSCRIPT ...`, `WRONGPASS ...`, `ERR ...`).
    case server(String)
    /// Connecting failed during setup (AUTH, SELECT, SCRIPT LOAD) with Redis's answer.
    case setupFailed(command: String, reply: String)
    /// The reply stream was malformed or over the decoder's limits; the connection is closed.
    case protocolError(String)
    /// The reply did not have the shape the command implies.
    case unexpectedReply(String)
    /// The client was shut down.
    case shutdown

    public var description: String {
        switch self {
        case .invalidURL(let why): return "invalid Redis URL: \(why)"
        case .connectTimeout(let host, let port): return "Redis connect timeout (\(host):\(port))"
        case .commandTimeout(let command): return "Redis command timeout (\(command))"
        case .connectionClosed: return "Redis connection closed"
        case .unavailable(let last): return "Redis unavailable (reconnecting after: \(last))"
        case .server(let message): return "Redis error: \(message)"
        case .setupFailed(let command, let reply): return "Redis \(command) failed: \(reply)"
        case .protocolError(let why): return "Redis protocol error: \(why)"
        case .unexpectedReply(let why): return "unexpected Redis reply: \(why)"
        case .shutdown: return "Redis client shut down"
        }
    }

    /// `NOSCRIPT`: the script cache does not hold the script (flushed, or a failed-over replica).
    public var isNoScript: Bool {
        if case .server(let message) = self { return message.hasPrefix("NOSCRIPT") }
        return false
    }
}
