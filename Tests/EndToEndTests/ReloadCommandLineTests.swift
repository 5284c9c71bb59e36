import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// SIGHUP and `POST /admin/reload` on the real binary (issue 7): a good file is put in force, a bad one is
/// reported and the old config stays, state changes need the admin token, and the token is never logged.
@Suite struct ReloadCommandLineTests {
    static let token = "s3cret-admin-token-for-tests"

    static func config(ports: [Int], createLimit: Int, broken: Bool = false) -> String {
        """
        listen: {rest: 127.0.0.1:\(ports[0]), gateway: 127.0.0.1:\(ports[1]), admin: 127.0.0.1:\(ports[2])}
        backend:
          listen: {rest: 127.0.0.1:\(ports[3]), gateway: 127.0.0.1:\(ports[4])}
          database: data/ayaka.sqlite
        admin: {token: \(token)}
        rate_limits:
          routes:
            - {name: guilds.preview, method: GET, path: "/guilds/{guild_id}/preview", limit: \(createLimit), per: 1m\(broken ? ", colour: blue" : "")}

        """
    }

    static func get(_ url: String) async throws -> HTTPClientResponse {
        try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(10))
    }

    static func post(_ url: String, token: String?) async throws -> (HTTPClientResponse, String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        return (response, String(buffer: try await response.body.collect(upTo: 1 << 20)))
    }

    @Test func sighupAndTheAdminEndpointReloadTheConfig() async throws {
        let directory = try Binary.temporaryDirectory()
        let ports = try (0..<5).map { _ in try Binary.freePort() }
        let file = directory.appendingPathComponent("edge.yaml")
        try Self.config(ports: ports, createLimit: 50).write(to: file, atomically: true, encoding: .utf8)
        let (process, errors) = try Binary.start(["serve", "--config", file.path], in: directory)
        let rest = "http://127.0.0.1:\(ports[0])", admin = "http://127.0.0.1:\(ports[2])"
        var limit: String? = nil
        for _ in 0..<300 where limit == nil {
            limit = try? await Self.get("\(rest)/guilds/1/preview").headers["X-RateLimit-Limit"].first
            if limit == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(limit == "50")

        // State changes need the token.
        #expect(try await Self.post("\(admin)/admin/reload", token: nil).0.status == .unauthorized)
        let wrong = try await Self.post("\(admin)/admin/reload", token: "guess")
        #expect(wrong.0.status == .unauthorized)
        #expect(wrong.0.headers["WWW-Authenticate"] == ["Bearer"])

        // SIGHUP puts an edited file in force.
        try Self.config(ports: ports, createLimit: 7).write(to: file, atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        for _ in 0..<100 where limit != "7" {
            try await Task.sleep(for: .milliseconds(50))
            limit = try await Self.get("\(rest)/guilds/1/preview").headers["X-RateLimit-Limit"].first
        }
        #expect(limit == "7")

        // A broken file is rejected: reported on /status, the old config stays.
        try Self.config(ports: ports, createLimit: 3, broken: true).write(to: file, atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        var status = ""
        for _ in 0..<100 where !status.contains("colour") {
            try await Task.sleep(for: .milliseconds(50))
            status = String(buffer: try await Self.get("\(admin)/status").body.collect(upTo: 1 << 20))
        }
        #expect(status.contains("config_reload_error: \(file.path):8:"))
        #expect(status.contains("config_generation: 2\n"))
        #expect(try await Self.get("\(rest)/guilds/1/preview").headers["X-RateLimit-Limit"] == ["7"])

        // The admin endpoint reports the same problems, then reloads once the file is fixed.
        let rejected = try await Self.post("\(admin)/admin/reload", token: Self.token)
        #expect(rejected.0.status == .badRequest)
        #expect(rejected.1.contains("colour"))
        try Self.config(ports: ports, createLimit: 3).write(to: file, atomically: true, encoding: .utf8)
        let accepted = try await Self.post("\(admin)/admin/reload", token: Self.token)
        #expect(accepted.0.status == .ok)
        #expect(accepted.1 == "{\"generation\": 3, \"needs_restart\": []}")
        #expect(try await Self.get("\(rest)/guilds/1/preview").headers["X-RateLimit-Limit"] == ["3"])

        process.terminate()
        for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(process.terminationStatus == 0)
        let log = await Binary.readAll(errors)
        #expect(log.contains("configuration reloaded"))
        #expect(!log.contains(Self.token))
    }
}
