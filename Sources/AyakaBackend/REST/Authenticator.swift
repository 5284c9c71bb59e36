import Foundation
import Hummingbird

/// Resolves `Authorization: <session_id>` (or `Bearer <session_id>`) to a user.
struct Authenticator: Sendable {
    let store: AyakaStore

    static func sessionID(from request: Request) -> String? {
        guard var value = request.headers[.authorization]?.trimmingCharacters(in: .whitespaces) else { return nil }
        if value.lowercased().hasPrefix("bearer ") {
            value = String(value.dropFirst("bearer ".count)).trimmingCharacters(in: .whitespaces)
        }
        return value.isEmpty ? nil : value
    }

    /// The session's user, or `nil` when the header is missing or names no session.
    func user(for request: Request) async throws -> User? {
        guard let sessionID = Self.sessionID(from: request) else { return nil }
        return try await store.user(sessionID: sessionID)
    }

    /// The session's user, or 401.
    func requireUser(for request: Request) async throws -> User {
        guard let user = try await user(for: request) else { throw APIError.unauthorized }
        return user
    }
}
