import Foundation

/// One server → client gateway message, encoded once as JSON text and shared by every recipient.
struct GatewayEvent: Sendable, Equatable {
    let json: String

    private struct Dispatch<Payload: Encodable>: Encodable {
        let t: String
        let d: Payload
    }

    private struct Presence: Encodable {
        let t = "PRESENCE_UPDATE"
        let id: Int64
        let d: JSONValue
    }

    private struct Notification<Excerpt: Encodable>: Encodable {
        let t = "NOTIFICATION"
        let type: String
        let excerpt: Excerpt
    }

    init(json: String) {
        self.json = json
    }

    private init(encoding value: some Encodable) throws {
        self.json = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    /// `{"t": name, "d": payload}`.
    static func dispatch(_ name: String, _ payload: some Encodable) throws -> GatewayEvent {
        try GatewayEvent(encoding: Dispatch(t: name, d: payload))
    }

    /// `{"t": "PRESENCE_UPDATE", "id": <sender>, "d": <as the sender sent it>}`, the seed's payload shape.
    static func presence(userID: Int64, data: JSONValue) throws -> GatewayEvent {
        try GatewayEvent(encoding: Presence(id: userID, d: data))
    }

    /// `{"t": "NOTIFICATION", "type": type, "excerpt": {...}}`, the seed's payload shape (no `d`).
    static func notification(type: String, excerpt: some Encodable) throws -> GatewayEvent {
        try GatewayEvent(encoding: Notification(type: type, excerpt: excerpt))
    }
}
