import NIOWebSocket

/// Why the gateway closes a connection, with the close code and reason text it sends.
enum GatewayCloseReason: Sendable, Equatable {
    /// 4002: the client sent something that is not the expected JSON.
    case decodeError
    /// 4003: no identify payload within the identify timeout.
    case notAuthenticated
    /// 4004: the identify payload named no session.
    case authenticationFailed
    /// 4009: no WebSocket ping within `pingInterval + pingTimeout`.
    case sessionTimedOut
    /// 1008: the connection fell more than ``GatewayHub/bufferLimit`` events behind.
    case tooSlow

    var code: WebSocketErrorCode {
        switch self {
        case .decodeError: WebSocketErrorCode(codeNumber: 4002)
        case .notAuthenticated: WebSocketErrorCode(codeNumber: 4003)
        case .authenticationFailed: WebSocketErrorCode(codeNumber: 4004)
        case .sessionTimedOut: WebSocketErrorCode(codeNumber: 4009)
        case .tooSlow: .policyViolation
        }
    }

    var text: String {
        switch self {
        case .decodeError: "Decode error"
        case .notAuthenticated: "Not authenticated"
        case .authenticationFailed: "Authentication failed"
        case .sessionTimedOut: "Session timed out"
        case .tooSlow: "Too slow"
        }
    }
}
