import EdgeCore
@testable import EdgeMetrics
import Foundation
import GRDB
import Testing

/// `tune`'s failures (each with its exit code), suggestions, formats, and schema migration.
@Suite struct TuningCommandTests {
    func recorded(_ directory: TemporaryDirectory) async -> (String, AlignedTraffic) {
        let path = directory.file("metrics.sqlite")
        var traffic = AlignedTraffic()
        traffic.add(route: 3, windowSeconds: 60, clients: 40, windows: 5, counts: 1...30, seed: 5)
        _ = await traffic.record(into: TuningFixtures.pipeline(path), windows: [.seconds(10), .minutes(1)])
        return (path, traffic)
    }

    func run(_ path: String, route: String = "w1m", limits: [String] = [], suggest: Double? = nil) throws
        -> TuneReport {
        try TuneQuery.run(.init(path: path, route: route, since: 86_400, sinceText: "1d", now: TuningFixtures.now,
                                limits: try limits.map(TuneLimit.init(parsing:)), maxAffected: suggest))
    }

    func failure(_ body: () throws -> TuneReport) -> TuneQuery.Failure? {
        do {
            _ = try body()
            return nil
        } catch {
            return error as? TuneQuery.Failure
        }
    }

    @Test("malformed --limit and --max-affected are refused with what would be valid")
    func malformedInput() throws {
        for text in ["5", "x/1m", "0/1m", "5/1x", "5/", "/1m", "5/1m/2", "-1/1m", "5/0s"] {
            #expect(throws: TuneLimit.Invalid.self, "\(text)") { try TuneLimit(parsing: text) }
        }
        #expect(try TuneLimit(parsing: "5/1m") == TuneLimit(limit: 5, windowSeconds: 60))
        #expect(try TuneLimit(parsing: "20/m") == TuneLimit(limit: 20, windowSeconds: 60))
        #expect(try TuneLimit(parsing: "100/10s").description == "100/10s")
        #expect(try TuneShare.parse("0.1%") == 0.001)
        #expect(try TuneShare.parse("0.25") == 0.25)
        for text in ["abc", "-1%", "150%", "2"] {
            #expect(throws: TuneShare.Invalid.self) { try TuneShare.parse(text) }
        }
    }

    @Test("missing file and non-database: exit 1; empty database: exit 2")
    func missingAndEmpty() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let missing = failure { try run(directory.file("nope.sqlite")) }
        #expect(missing == .missing(path: directory.file("nope.sqlite")))
        #expect(missing?.exitCode == 1)

        let garbage = directory.file("garbage.sqlite")
        try Data("not a database at all, just some text".utf8).write(to: URL(fileURLWithPath: garbage))
        #expect(failure { try run(garbage) }?.exitCode == 1)

        let empty = directory.file("empty.sqlite")
        _ = try MetricsDatabase.open(path: empty)
        let emptyFailure = failure { try run(empty) }
        #expect(emptyFailure?.exitCode == 2)
        #expect(emptyFailure?.description.contains("no tuning histograms") == true)
    }

    @Test("a database from the older schema: tune exits 3 and says why; report still reads it; the proxy migrates it")
    func olderSchema() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("old.sqlite")
        do {
            let queue = try DatabasePool(path: path)
            try MetricsMigrations.migrator.migrate(queue, upTo: MetricsMigrations.v1)
            try await queue.write { db in
                try db.execute(sql: """
                    INSERT INTO request_minutes (minute, route, method, status_class, requests)
                    VALUES (\(AlignedTraffic.t0), 'users.get', 'GET', 2, 5)
                    """)
            }
        }
        let old = failure { try run(path) }
        #expect(old?.exitCode == 3)
        #expect(old?.description.contains("older ayaka-edge") == true)
        let report = try ReportQuery.run(path: path, since: 86_400, sinceText: "1d", now: TuningFixtures.now)
        #expect(report.totals.requests == 5)

        _ = try MetricsDatabase.open(path: path)
        let migrated = failure { try run(path) }
        #expect(migrated?.exitCode == 2)
    }

    @Test("unknown route (exit 4) lists the recorded ones; an unrecorded window (exit 5) lists the recorded ones")
    func unknownRouteAndWindow() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (path, _) = await recorded(directory)
        let unknown = failure { try run(path, route: "nope") }
        #expect(unknown == .unknownRoute("nope", known: ["w1m"]))
        #expect(unknown?.exitCode == 4)
        #expect(unknown?.description == "unknown route 'nope'; recorded routes: w1m")
        let window = failure { try run(path, limits: ["5/1h"]) }
        #expect(window?.exitCode == 5)
        #expect(window?.description.contains("recorded windows: 10s, 1m") == true)
    }

    @Test("--suggest proposes the tightest limit within the share, per window length; text, JSON and CSV")
    func suggestAndFormats() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let (path, traffic) = await recorded(directory)
        let report = try run(path, limits: ["10/1m"], suggest: 0.1)
        let suggestion = try #require(report.suggestions.first { $0.window == "1m" })
        let counts = Dictionary(grouping: traffic.requests) { "\($0.client)/\(($0.at / 1_000_000_000) / 60)" }
            .values.map(\.count).sorted()
        let over = { (limit: Int) in counts.filter { $0 > limit }.count }
        #expect(Double(over(Int(suggestion.count))) <= 0.1 * Double(counts.count))
        #expect(Double(over(Int(suggestion.count) - 1)) > 0.1 * Double(counts.count))
        #expect(suggestion.affectedPairs == Int64(over(Int(suggestion.count))))
        #expect(report.suggestions.map(\.window) == ["10s", "1m"])

        let text = TuneFormat.render(report, as: .text)
        #expect(text.contains("candidate limits:"))
        #expect(text.contains("10/1m"))
        #expect(text.contains("suggested"))
        let json = TuneFormat.render(report, as: .json)
        #expect(json.contains("\"rejected_requests\""))
        #expect(json.contains("\"worst_hour\""))
        let csv = TuneFormat.render(report, as: .csv)
        #expect(csv.hasPrefix("section,name,field,value\n"))
        #expect(csv.contains("candidate,10/1m,rejected_requests,\(report.candidates[0].rejectedRequests)"))
        #expect(report.candidates[0].rejectedRequests
                == traffic.enforcedRejections(route: 3, limit: 10, windowSeconds: 60))
    }
}
