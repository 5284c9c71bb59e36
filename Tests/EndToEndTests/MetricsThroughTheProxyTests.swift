import AsyncHTTPClient
import AyakaTestSupport
import EdgeCore
import Foundation
import NIOHTTP1
import Testing

/// Known traffic through the proxy, read back exactly from `/status`, `/metrics` and the SQLite database
/// (through `ayaka-edge report`), as CONTRACT section 6 describes them.
@Suite struct MetricsThroughTheProxyTests {
    static func admin(_ deployment: Deployment, _ path: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(
            HTTPClientRequest(url: "http://127.0.0.1:\(deployment.adminPort)\(path)"), timeout: .seconds(10))
        return String(buffer: try await response.body.collect(upTo: 1 << 22))
    }

    @Test func knownTrafficIsCountedExactlyEverywhere() async throws {
        let deployment = try await Deployment.start { config in
            config.rateLimits.routes = [RouteRule(
                method: "POST", path: "/users/@me", rule: RateLimitRule(name: "users.create", limit: 3, per: .minutes(1))
            )]
        }
        let api = RESTClient(port: deployment.proxyREST)
        var statuses: [Int] = []
        for i in 0..<5 {
            let reply = try await api.send(.POST, "/users/@me", json: """
                {"username": "metrics\(i)", "separator": 1, "email": "m\(i)@example.com", "password": "password1"}
                """)
            statuses.append(reply.status)
        }
        #expect(statuses == [201, 201, 201, 429, 429])
        #expect(try await api.send(.GET, "/nothing/here").status == 404)

        let probe = GatewayProbe(port: deployment.proxyGateway)
        probe.identify("no-such-session")
        #expect(try await probe.closedByServer()?.closeCode == .unknown(4004))

        // Wait for a flush that has seen all of it.
        var status = ""
        for _ in 0..<100 {
            status = try await Self.admin(deployment, "/status")
            if status.contains("requests_total: 6\n"), status.contains("4004") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let lines = status.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0].hasPrefix("Active connections: ") && lines[0].hasSuffix(" "))
        #expect(lines[1] == "server accepts handled requests")
        #expect(lines[2].hasPrefix(" ") && lines[2].hasSuffix(" ") && lines[2].hasSuffix(" 7 "))  // 6 REST requests and the upgrade
        #expect(lines[3].hasPrefix("Reading: ") && lines[3].contains(" Writing: ") && lines[3].contains(" Waiting: "))
        #expect(lines[4].isEmpty)
        #expect(status.contains("requests_total: 6\n"))
        #expect(status.contains("rate_limited_total: 2\n"))
        let routeRow = try #require(lines.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("users.create") })
        let columns = routeRow.split(separator: " ")
        #expect(columns[1] == "5")  // requests
        let gatewayCodes = status.components(separatedBy: "gateway_close_codes:").last ?? ""
        #expect(gatewayCodes.contains("4004"))

        let metrics = try await Self.admin(deployment, "/metrics")
        #expect(metrics.contains("ayaka_edge_http_rate_limited_total{route=\"users.create\"} 2"))
        #expect(metrics.contains(
            "ayaka_edge_http_requests_total{route=\"users.create\",method=\"POST\",status_class=\"2xx\"} 3"))
        #expect(!metrics.contains("127.0.0.1\"}"))  // never a client IP as a label

        await deployment.stop()

        // The database alone, after the proxy stopped (the last interval was flushed on shutdown).
        let report = try await Binary.run(["report", "--db", deployment.metricsDatabase, "--since", "1h", "--format", "json"])
        #expect(report.status == 0, "\(report.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let totals = try #require(json["totals"] as? [String: Any], "\(report.stdout)")
        #expect((totals["requests"] as? NSNumber)?.intValue == 6)
        #expect((totals["rate_limited"] as? NSNumber)?.intValue == 2)

        // `tune` on the same database: a 3/1h fixed-window limit would have rejected exactly what the enforcing
        // 3/1m rule did (all five requests fell in one aligned hour, barring an hour boundary mid-test).
        let tune = try await Binary.run([
            "tune", "--route", "users.create", "--db", deployment.metricsDatabase, "--since", "1h",
            "--limit", "3/1h", "--format", "json",
        ])
        #expect(tune.status == 0, "\(tune.stdout)\(tune.stderr)")
        let tuned = try #require(try JSONSerialization.jsonObject(with: Data(tune.stdout.utf8)) as? [String: Any])
        let candidate = try #require((tuned["candidates"] as? [[String: Any]])?.first, "\(tune.stdout)")
        #expect((candidate["rejected_requests"] as? NSNumber)?.intValue == 2)
        #expect((candidate["requests"] as? NSNumber)?.intValue == 5)
        #expect(candidate["exact"] as? Bool == true)
    }
}
