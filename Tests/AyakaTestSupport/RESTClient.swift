import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// A small JSON client over AsyncHTTPClient for the end-to-end tests.
public struct RESTClient: Sendable {
    public let port: Int

    public init(port: Int) {
        self.port = port
    }

    public struct Reply: Sendable {
        public let status: Int
        public let text: String
        public let contentType: String?

        /// The body as a JSON object (empty when it is not one).
        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
        }

        public func int(_ key: String) -> Int64? { (json[key] as? NSNumber)?.int64Value }
        public func string(_ key: String) -> String? { json[key] as? String }
        public var errors: [String: String] { json["errors"] as? [String: String] ?? [:] }
    }

    public func send(
        _ method: HTTPMethod,
        _ path: String,
        json: String? = nil,
        body: ByteBuffer? = nil,
        session: String? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = method
        if let session { request.headers.add(name: "Authorization", value: session) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        } else if let body {
            request.body = .bytes(body)
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 1 << 22)
        return Reply(
            status: Int(response.status.code),
            text: String(buffer: buffer),
            contentType: response.headers.first(name: "Content-Type")
        )
    }

    /// Signs up and returns (user id, session id).
    public func signUp(_ username: String, email: String? = nil) async throws -> (id: Int64, session: String) {
        let reply = try await send(
            .POST, "/users/@me",
            json: #"{"username": "\#(username)", "email": "\#(email ?? "\(username)@example.com")", "#
                + #""password": "correct horse"}"#
        )
        guard reply.status == 201, let id = reply.int("id"), let sessions = reply.json["session_ids"] as? [String],
            let session = sessions.first
        else { throw TestFailure("sign-up failed: \(reply.status) \(reply.text)") }
        return (id, session)
    }

    public func createGuild(_ name: String, session: String) async throws -> Int64 {
        let reply = try await send(.POST, "/guilds", json: #"{"name": "\#(name)"}"#, session: session)
        guard reply.status == 201, let id = reply.int("id") else {
            throw TestFailure("guild creation failed: \(reply.status) \(reply.text)")
        }
        return id
    }
}
