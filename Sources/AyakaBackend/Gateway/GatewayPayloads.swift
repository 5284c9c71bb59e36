import Foundation

/// Client → server messages.
enum GatewayInbound {
    /// `{"session_id": "...", "encoding": "json" | "zlib"}`.
    struct Identify: Decodable {
        var sessionID: String
        var encoding: GatewayEncoding?

        enum CodingKeys: String, CodingKey {
            case sessionID = "session_id"
            case encoding
        }
    }

    /// `{"t": "...", "d": {...}}` after identifying.
    struct Event: Decodable {
        var t: String
        var d: JSONValue?
    }

    static func decode<T: Decodable>(_ type: T.Type, from bytes: some Sequence<UInt8>) -> T? {
        try? JSONDecoder().decode(T.self, from: Data(bytes))
    }
}

/// How the server encodes what it sends: JSON text frames, or binary frames of zlib (RFC 1950) compressed JSON.
enum GatewayEncoding: String, Decodable, Sendable {
    case json
    case zlib
}

/// `READY`'s `d`.
struct ReadyPayload: Encodable {
    let user: UserPayload
    let sessionID: String
    let guilds: [Int64]

    enum CodingKeys: String, CodingKey {
        case user, guilds
        case sessionID = "session_id"
    }
}

/// `GET /available`.
struct AvailablePayload: Encodable {
    let name: String
    let url: String
    let port: Int
}
