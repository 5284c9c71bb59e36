import NIOCore

/// A RESP2 reply from Redis.
///
/// The client speaks RESP2 only (it never sends `HELLO 3`): every reply the rate-limit store needs (`EVALSHA`
/// results, `SCRIPT LOAD`, `PING`, `AUTH`, `SELECT`) has the same shape in both protocol versions, and RESP2
/// keeps the decoder small. An error reply is a value here; `RedisConnection` turns it into
/// `RedisClientError.server` for the caller.
public enum RESPValue: Sendable, Equatable {
    /// `+OK`
    case simpleString(String)
    /// `-ERR ...`: the whole line after `-`.
    case error(String)
    /// `:42`
    case integer(Int64)
    /// `$n` then n bytes; nil for the null bulk string `$-1`.
    case bulkString(ByteBuffer?)
    /// `*n` then n values; nil for the null array `*-1`.
    case array([RESPValue]?)

    /// The text of a simple or bulk string.
    public var string: String? {
        switch self {
        case .simpleString(let text): return text
        case .bulkString(let buffer?): return String(buffer: buffer)
        default: return nil
        }
    }

    /// The value of an integer reply.
    public var integer: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The elements of a non-null array.
    public var array: [RESPValue]? {
        if case .array(let elements?) = self { return elements }
        return nil
    }
}
