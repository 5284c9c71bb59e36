import AsyncHTTPClient
import Foundation
import NIOHTTP1
import Testing

/// The executable as a user runs it (CONTRACT section 1).
@Suite struct CommandLineTests {
    @Test func helpListsTheCommands() async throws {
        let result = try await Binary.run(["--help"])
        #expect(result.status == 0)
        for command in ["serve", "backend", "check-config"] {
            #expect(result.stdout.contains(command), "\(command) missing from --help")
        }
    }

    @Test func theDocumentedDefaultConfigIsValid() async throws {
        let file = Binary.repositoryRoot.appendingPathComponent("Config/ayaka-edge.yaml").path
        let result = try await Binary.run(["check-config", file])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("valid"))
    }

    @Test func checkConfigListsEveryProblemWithFileAndLine() async throws {
        let directory = try Binary.temporaryDirectory()
        let file = directory.appendingPathComponent("bad.yaml")
        try """
            listen:
              rest: 127.0.0.1:99999
            rate_limits:
              global: {limit: 0, per: 1s}
              routes:
                - {name: users.create, method: POST, path: /users/@me, limit: 5, per: 1 minute}
            gatway:
              ping_interval: 20s

            """.write(to: file, atomically: true, encoding: .utf8)
        let result = try await Binary.run(["check-config", file.path])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("\(file.path):2:") && $0.contains("listen.rest") })
        #expect(lines.contains { $0.hasPrefix("\(file.path):4:") && $0.contains("rate_limits.global.limit") })
        #expect(lines.contains { $0.hasPrefix("\(file.path):6:") && $0.contains("rate_limits.routes[0].per") })
        #expect(lines.contains { $0.hasPrefix("\(file.path):7:") && $0.contains("gateway") })  // did you mean
    }

    @Test func checkConfigReadsTheTLSFiles() async throws {
        let directory = try Binary.temporaryDirectory()
        let key = directory.appendingPathComponent("key.pem").path
        try "not a key\n".write(toFile: key, atomically: true, encoding: .utf8)
        let file = directory.appendingPathComponent("tls.yaml")
        try """
            listen:
              tls:
                rest: {certificate: /nonexistent/chain.pem, key: \(key)}

            """.write(to: file, atomically: true, encoding: .utf8)
        let result = try await Binary.run(["check-config", file.path])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.contains {
            $0.hasPrefix("\(file.path):3:") && $0.contains("listen.tls.rest.certificate")
                && $0.contains("'/nonexistent/chain.pem' does not exist")
        })
    }

    @Test func missingFileIsAClearError() async throws {
        let result = try await Binary.run(["check-config", "/nonexistent/ayaka.yaml"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("/nonexistent/ayaka.yaml"))
    }

    @Test func invalidEnvironmentOverrideStopsServeWithExit1() async throws {
        let directory = try Binary.temporaryDirectory()
        let result = try await Binary.run(["serve"], in: directory, environment: ["AYAKA_EDGE_RATE_LIMITS_GLOBAL_LIMIT": "many"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("AYAKA_EDGE_RATE_LIMITS_GLOBAL_LIMIT"))
    }

    @Test func serveAnswersThenDrainsOnSIGTERM() async throws {
        let directory = try Binary.temporaryDirectory()
        let ports = try (0..<5).map { _ in try Binary.freePort() }
        let (process, errors) = try Binary.start(["serve", "--log-format", "json"], in: directory, environment: [
            "AYAKA_EDGE_LISTEN_REST": "127.0.0.1:\(ports[0])",
            "AYAKA_EDGE_LISTEN_GATEWAY": "127.0.0.1:\(ports[1])",
            "AYAKA_EDGE_LISTEN_ADMIN": "127.0.0.1:\(ports[2])",
            "AYAKA_EDGE_BACKEND_LISTEN_REST": "127.0.0.1:\(ports[3])",
            "AYAKA_EDGE_BACKEND_LISTEN_GATEWAY": "127.0.0.1:\(ports[4])",
        ])

        var status: HTTPResponseStatus? = nil
        for _ in 0..<300 where status == nil {
            let request = HTTPClientRequest(url: "http://127.0.0.1:\(ports[0])/guilds/1/preview")
            status = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)).status
            if status == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(status == .notFound)  // relayed to the embedded backend, which has no guild 1

        process.terminate()  // SIGTERM
        for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 0)
        let log = await Binary.readAll(errors)
        #expect(log.contains("\"message\":\"configuration loaded\""))
        #expect(log.contains("draining"))
    }

    @Test func aSecondSIGTERMDuringTheDrainExitsAtOnce() async throws {
        let hole = try await BlackHoleServer.start()
        let directory = try Binary.temporaryDirectory()
        let rest = try Binary.freePort()
        let (process, errors) = try Binary.start(["serve"], in: directory, environment: [
            "AYAKA_EDGE_LISTEN_REST": "127.0.0.1:\(rest)",
            "AYAKA_EDGE_LISTEN_GATEWAY": "127.0.0.1:\(try Binary.freePort())",
            "AYAKA_EDGE_LISTEN_ADMIN": "127.0.0.1:\(try Binary.freePort())",
            "AYAKA_EDGE_UPSTREAMS_REST": "http://127.0.0.1:\(hole.port)",
            "AYAKA_EDGE_UPSTREAMS_GATEWAY": "ws://127.0.0.1:\(hole.port)",
        ])

        // A request that the silent upstream will hold for the whole read timeout; sent again until the proxy
        // listens (it may still be starting when the first attempt is refused).
        let stuck = Task {
            for _ in 0..<150 {
                var request = HTTPClientRequest(url: "http://127.0.0.1:\(rest)/guilds/1")
                request.method = .GET
                if let status = try? await HTTPClient.shared.execute(request, timeout: .seconds(30)).status {
                    return Optional(status)
                }
                if hole.connections > 0 || Task.isCancelled { return nil }
                try? await Task.sleep(for: .milliseconds(100))
            }
            return nil
        }
        for _ in 0..<300 where hole.connections == 0 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(hole.connections > 0)

        process.terminate()  // first SIGTERM: the drain waits for the stuck request
        try await Task.sleep(for: .milliseconds(500))
        #expect(process.isRunning)
        process.terminate()  // second: out at once
        for _ in 0..<100 where process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
        #expect(!process.isRunning)
        #expect(process.terminationStatus == 1)
        let log = await Binary.readAll(errors)
        #expect(log.contains("second signal during the drain"))
        stuck.cancel()
        await hole.stop()
    }
}
