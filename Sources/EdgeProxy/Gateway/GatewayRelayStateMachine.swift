import NIOWebSocket

/// One relayed gateway connection's rules, apart from I/O (CONTRACT section 4): client keepalive pings,
/// the per-connection message limit, message size, and frame order. Time is passed in (nanoseconds).
struct GatewayRelayStateMachine {
    struct Limits: Sendable {
        /// Client messages (text/binary, counted at their first frame) per window.
        var messageLimit: Int
        var messageWindowNanos: Int64
        /// Largest message after reassembly, in bytes.
        var maxMessageSize: Int
        /// `ping_interval + ping_timeout`: the longest a client may go without pinging.
        var pingWindowNanos: Int64
    }

    /// Close codes the proxy itself sends to clients.
    enum CloseReason: Equatable, Sendable {
        case rateLimited  // 4008
        case sessionTimedOut  // 4009
        case messageTooBig  // 1009
        case protocolError  // 1002
        case upstreamFailed  // 1011
        case goingAway  // 1001

        var code: UInt16 {
            switch self {
            case .rateLimited: return 4008
            case .sessionTimedOut: return 4009
            case .messageTooBig: return 1009
            case .protocolError: return 1002
            case .upstreamFailed: return 1011
            case .goingAway: return 1001
            }
        }

        var text: String {
            switch self {
            case .rateLimited: return "Rate limited"
            case .sessionTimedOut: return "Session timed out"
            case .messageTooBig: return "Message too big"
            case .protocolError: return "Protocol error"
            case .upstreamFailed: return "Upstream gateway failed"
            case .goingAway: return "Going away"
            }
        }
    }

    enum Action: Equatable {
        case forward
        /// Close the client with this reason and end the upstream side.
        case close(CloseReason)
        /// Drop the frame (after the proxy has started closing).
        case drop
    }

    // The limits are not stored: every session of a listener context shares them, and an idle relayed
    // session is mostly this state, so each call is given them (30 bytes instead of 66 per session).
    private(set) var lastPingAt: Int64
    private var windowStart: Int64 = 0
    private var messageBytes = 0
    /// Clamped at `Int32.max`, which only a limit at least that high would let it reach.
    private var windowCount: Int32 = 0
    private var inFragmentedMessage = false
    private(set) var isClosing = false

    init(now: Int64) {
        self.lastPingAt = now  // the first ping is due within the window from the connection's start
    }

    /// A frame from the client. Returns what to do with it.
    mutating func clientFrame(opcode: WebSocketOpcode, fin: Bool, length: Int, now: Int64, limits: Limits) -> Action {
        if isClosing { return opcode == .connectionClose ? .forward : .drop }
        switch opcode {
        case .ping:
            lastPingAt = now
            return .forward
        case .pong:
            return .forward
        case .connectionClose:
            isClosing = true
            return .forward
        case .text, .binary:
            guard !inFragmentedMessage else { return close(.protocolError) }
            if now - windowStart >= limits.messageWindowNanos || windowCount == 0 {
                windowStart = now
                windowCount = 0
            }
            if windowCount < Int32.max { windowCount += 1 }
            if Int(windowCount) > limits.messageLimit { return close(.rateLimited) }
            messageBytes = length
            inFragmentedMessage = !fin
            return messageBytes > limits.maxMessageSize ? close(.messageTooBig) : .forward
        case .continuation:
            guard inFragmentedMessage else { return close(.protocolError) }
            messageBytes += length
            if fin { inFragmentedMessage = false }
            return messageBytes > limits.maxMessageSize ? close(.messageTooBig) : .forward
        default:
            return close(.protocolError)
        }
    }

    /// The keepalive check: a client silent for the whole window is closed with 4009.
    mutating func pingCheck(now: Int64, limits: Limits) -> Action {
        guard !isClosing else { return .drop }
        return now >= lastPingAt + limits.pingWindowNanos ? close(.sessionTimedOut) : .forward
    }

    /// The proxy decided to close (shutdown, upstream failure).
    mutating func close(_ reason: CloseReason) -> Action {
        guard !isClosing else { return .drop }
        isClosing = true
        return .close(reason)
    }
}
