import EdgeCore
@testable import EdgeMetrics
import Foundation
import GRDB
import Logging
import Testing

@Suite struct ReportTests {
    let t0 = KnownTraffic.t0

    func database() async throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory()
        let path = directory.file("metrics.sqlite")
        let pipeline = MetricsPipeline(
            labels: KnownTraffic.labels, config: KnownTraffic.config(database: path), version: "test",
            logger: Logger(label: "test")
        )
        await pipeline.ingest(KnownTraffic.snapshot())
        return (directory, path)
    }

    @Test func reportModelHoldsExactCounts() async throws {
        let (directory, path) = try await database()
        defer { directory.remove() }
        let report = try ReportQuery.run(path: path, since: 3_600, sinceText: "1h", now: t0 + 100)
        #expect(report.totals.requests == 24)
        #expect(report.totals.rateLimited == 6)
        #expect(report.totals.responses5xx == 2)
        #expect(report.totals.responses4xx == 7)
        #expect(report.totals.bytesOut == 1950)
        #expect(report.routes.map(\.route) == ["users.get", "users.create", "default"])
        let usersGet = report.routes[0]
        #expect(usersGet.requests == 17)
        #expect(usersGet.responses2xx == 15)
        #expect(usersGet.responses5xx == 2)
        // 15 × 3 ms in (2, 5] and 2 × 50 ms in (20, 50]: rank 9 → 2 + 3 × 9/15; rank 16 → 20 + 30 × 1/2.
        #expect(usersGet.latency.p50Ms == 3.8)
        #expect(usersGet.latency.p90Ms == 35)
        #expect(usersGet.latency.p99Ms == 50)
        #expect(usersGet.latency.maxMs == 50)
        #expect(report.topLimited == [
            .init(client: "203.0.113.7", route: "users.create", rejected: 5),
            .init(client: "198.51.100.1", route: "users.create", rejected: 1),
        ])
        #expect(report.upstreams.first?.requests == 18)
        #expect(report.upstreams.first?.connectFailures == 2)
        #expect(report.gateway == .init(opened: 2, closed: 2, peakActive: 2, messagesIn: 5, messagesOut: 7,
                                        pingsRelayed: 1, pingTimeouts: 1, rejected: 1))
        #expect(report.closeCodes == [.init(code: 1000, count: 1), .init(code: 4009, count: 1)])
        #expect(report.shadowRules == [.init(route: "users.get", rule: "users.get.strict", wouldReject: 2)])
    }

    @Test func rangeExcludesOlderMinutes() async throws {
        let (directory, path) = try await database()
        defer { directory.remove() }
        // From t0 + 60 on only the two 502s of the second minute count.
        let report = try ReportQuery.run(path: path, since: 40, sinceText: "40s", now: t0 + 100)
        #expect(report.totals.requests == 2)
        #expect(report.topLimited.isEmpty)
    }

    @Test func textFormat() async throws {
        let (directory, path) = try await database()
        defer { directory.remove() }
        let text = ReportFormat.text.render(try ReportQuery.run(path: path, since: 3_600, sinceText: "1h",
                                                                 now: t0 + 100))
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains("requests: 24"))
        #expect(lines.contains("rate_limited: 6 (25.00%)"))
        #expect(lines.contains("responses_5xx: 2 (error rate 8.33%)"))
        let usersGet = try #require(lines.first { $0.hasPrefix("  users.get ") })
        #expect(usersGet.split(separator: " ").map(String.init) == [
            "users.get", "17", "15", "0", "0", "2", "0", "1", "11.76%", "3.800", "35.000", "50.000", "50.000",
        ])
        #expect(lines.contains { $0.split(separator: " ") == ["203.0.113.7", "users.create", "5"] })
    }

    @Test func jsonFormat() async throws {
        let (directory, path) = try await database()
        defer { directory.remove() }
        let json = ReportFormat.json.render(try ReportQuery.run(path: path, since: 3_600, sinceText: "1h",
                                                                 now: t0 + 100))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let totals = try #require(object["totals"] as? [String: Any])
        #expect(totals["requests"] as? Int == 24)
        #expect(totals["rate_limited"] as? Int == 6)
        let routes = try #require(object["routes"] as? [[String: Any]])
        #expect(routes.first?["route"] as? String == "users.get")
        #expect((routes.first?["latency"] as? [String: Any])?["p99_ms"] as? Double == 50)
        let limited = try #require(object["top_limited"] as? [[String: Any]])
        #expect(limited.first?["rejected"] as? Int == 5)
        #expect((object["gateway"] as? [String: Any])?["messages_out"] as? Int == 7)
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        #expect(try decoder.decode(MetricsReport.self, from: Data(json.utf8)).totals.requests == 24)
    }

    @Test func csvFormat() async throws {
        let (directory, path) = try await database()
        defer { directory.remove() }
        let csv = ReportFormat.csv.render(try ReportQuery.run(path: path, since: 3_600, sinceText: "1h",
                                                               now: t0 + 100))
        let lines = csv.split(separator: "\n").map(String.init)
        #expect(lines.first == "section,name,field,value")
        for line in lines {
            #expect(line.split(separator: ",", omittingEmptySubsequences: false).count == 4, "\(line)")
        }
        #expect(lines.contains("totals,all,requests,24"))
        #expect(lines.contains("route,users.get,requests,17"))
        #expect(lines.contains("route,users.get,p99_ms,50.000"))
        #expect(lines.contains("route,users.create,rate_limited,6"))
        #expect(lines.contains("limited,203.0.113.7 users.create,rejected,5"))
        #expect(lines.contains("upstream,127.0.0.1:7070,connect_failures,2"))
        #expect(lines.contains("gateway,all,opened,2"))
        #expect(lines.contains("close_code,4009,count,1"))
        #expect(ReportCSV.quote("a,\"b\"") == "\"a,\"\"b\"\"\"")
    }

    @Test func missingEmptyAndBadInput() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = directory.file("none.sqlite")
        #expect(throws: ReportQuery.Failure.missing(path: missing)) {
            try ReportQuery.run(path: missing, since: 60, sinceText: "1m", now: t0)
        }
        #expect(!FileManager.default.fileExists(atPath: missing))

        let empty = directory.file("empty.sqlite")
        _ = MetricsPipeline(labels: KnownTraffic.labels, config: KnownTraffic.config(database: empty),
                            version: "test", logger: Logger(label: "test"))
        #expect(throws: ReportQuery.Failure.empty(path: empty)) {
            try ReportQuery.run(path: empty, since: 60, sinceText: "1m", now: t0)
        }
        #expect(ReportQuery.Failure.empty(path: empty).exitCode == 2)

        let notSQLite = directory.file("notes.txt")
        _ = FileManager.default.createFile(atPath: notSQLite, contents: Data("hello, this is not a database".utf8))
        do {
            _ = try ReportQuery.run(path: notSQLite, since: 60, sinceText: "1m", now: t0)
            Issue.record("a text file was read as a database")
        } catch let failure as ReportQuery.Failure {
            guard case .unreadable = failure else { Issue.record("wrong failure \(failure)"); return }
            #expect(failure.exitCode == 1)
        }

        #expect(try ReportSince.seconds("90m") == 5_400)
        #expect(try ReportSince.seconds("7d") == 604_800)
        for bad in ["", "1", "h", "-1h", "1.5h", "1w", "0s", "1 h"] {
            #expect(throws: ReportSince.Invalid.self) { try ReportSince.seconds(bad) }
        }
    }
}
