import EdgeCore
@testable import EdgeMetrics
import Foundation
import GRDB
import Logging
import Testing

@Suite struct PipelineStorageTests {
    let t0 = KnownTraffic.t0

    func pipeline(_ path: String, clock: TestClock? = nil) -> MetricsPipeline {
        MetricsPipeline(
            labels: KnownTraffic.labels, config: KnownTraffic.config(database: path), version: "test",
            logger: Logger(label: "test"), clock: (clock ?? TestClock(seconds: t0 + 75)).clock
        )
    }

    func open(_ path: String) throws -> DatabaseQueue {
        try DatabaseQueue(path: path)
    }

    @Test func exactCountsReadBackFromSQLite() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("nested/metrics.sqlite")
        await pipeline(path).ingest(KnownTraffic.snapshot())

        let db = try open(path)
        try await db.read { db in
            let usersGet = try #require(try Row.fetchOne(db, sql: """
                SELECT requests, bytes_out, le_5ms, latency_max_ns FROM request_minutes
                WHERE minute = ? AND route = 'users.get' AND method = 'GET' AND status_class = 2
                """, arguments: [t0]))
            #expect(usersGet[0] as Int64 == 15)
            #expect(usersGet[1] as Int64 == 1500)
            #expect(usersGet[2] as Int64 == 15)
            #expect(usersGet[3] as Int64 == 3_000_000)
            #expect(try Int64.fetchOne(db, sql: """
                SELECT rate_limited FROM request_minutes WHERE minute = ? AND route = 'users.create'
                """, arguments: [t0]) == 6)
            #expect(try Int64.fetchOne(db, sql: "SELECT SUM(requests) FROM request_minutes") == 24)
            #expect(try Int64.fetchOne(db, sql: "SELECT SUM(dry_run_would_reject) FROM request_minutes") == 1)
            #expect(try Int64.fetchOne(db, sql: """
                SELECT requests FROM request_minutes WHERE minute = ? AND route = 'default' AND status_class = 4
                """, arguments: [t0]) == 1)

            let upstream = try #require(try Row.fetchOne(db, sql: """
                SELECT requests, connect_failures, responses_5xx, le_50ms FROM upstream_minutes
                WHERE minute = ? AND upstream = '127.0.0.1:7070'
                """, arguments: [t0 + 60]))
            #expect(upstream[0] as Int64 == 2)
            #expect(upstream[1] as Int64 == 2)
            #expect(upstream[2] as Int64 == 2)
            #expect(upstream[3] as Int64 == 2)
            #expect(try Int64.fetchOne(db, sql: "SELECT requests FROM upstream_minutes WHERE minute = ?",
                                       arguments: [t0]) == 16)

            let limited = try Row.fetchAll(db, sql: """
                SELECT client_ip, route, rejected FROM limited_minutes ORDER BY rejected DESC
                """)
            #expect(limited.map { $0[0] as String } == ["203.0.113.7", "198.51.100.1"])
            #expect(limited.map { $0[2] as Int64 } == [5, 1])

            let gateway = try Row.fetchAll(db, sql: """
                SELECT minute, opened, closed, peak_active, messages_in, messages_out, pings_relayed, ping_timeouts,
                    rejected FROM gateway_minutes ORDER BY minute
                """)
            #expect(gateway.count == 2)
            #expect(Array(gateway[0].databaseValues.map { Int64.fromDatabaseValue($0)! }) ==
                    [t0, 2, 0, 2, 5, 7, 1, 0, 1])
            #expect(Array(gateway[1].databaseValues.map { Int64.fromDatabaseValue($0)! }) ==
                    [t0 + 60, 0, 2, 2, 0, 0, 0, 1, 0])
            let codes = try Row.fetchAll(db, sql: "SELECT code, count FROM gateway_close_codes ORDER BY code")
            #expect(codes.map { $0[0] as Int } == [1000, 4009])
            #expect(try Int64.fetchOne(db, sql: """
                SELECT would_reject FROM shadow_minutes WHERE route = 'users.get' AND rule = 'users.get.strict'
                """) == 2)
        }
    }

    @Test func flushesOfOneMinuteAddUp() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("metrics.sqlite")
        let pipeline = pipeline(path)
        await pipeline.ingest(KnownTraffic.snapshot())
        await pipeline.ingest(KnownTraffic.snapshot())
        let db = try open(path)
        #expect(try await db.read { try Int64.fetchOne($0, sql: "SELECT SUM(requests) FROM request_minutes") } == 48)
        #expect(try await db.read { try Int64.fetchOne($0, sql: "SELECT MAX(peak_active) FROM gateway_minutes") } == 2)
        #expect(try await db.read {
            try Int64.fetchOne($0, sql: "SELECT rejected FROM limited_minutes WHERE client_ip = '203.0.113.7'")
        } == 10)
    }

    @Test func restartKeepsHistory() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("metrics.sqlite")
        do {
            let first = pipeline(path)
            await first.ingest(KnownTraffic.snapshot())
        }
        let second = pipeline(path)
        await second.ingest(KnownTraffic.snapshot())
        let report = try ReportQuery.run(path: path, since: 3_600, sinceText: "1h", now: t0 + 90)
        #expect(report.totals.requests == 48)
        #expect(report.totals.rateLimited == 12)
    }

    @Test func retentionPrunesOldMinutes() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("metrics.sqlite")
        var config = KnownTraffic.config(database: path)
        config.retention = .minutes(10)
        let pipeline = MetricsPipeline(
            labels: KnownTraffic.labels, config: config, version: "test", logger: Logger(label: "test"),
            clock: TestClock(seconds: t0).clock
        )
        await pipeline.ingest(KnownTraffic.snapshot())
        let db = try open(path)
        #expect(try await db.read { try Int64.fetchOne($0, sql: "SELECT COUNT(*) FROM request_minutes") } == 4)

        // At t0 + 11 min the cut is t0 + 1 min: the first minute goes, the second (t0 + 60) stays.
        var later = MetricsSnapshot()
        later.takenAt = (t0 + 660 + 30) * 1_000_000_000
        await pipeline.ingest(later)
        for table in MetricsMigrations.tables {
            #expect(try await db.read { try Int64.fetchOne($0, sql: "SELECT COUNT(*) FROM \(table) WHERE minute < ?",
                                                     arguments: [t0 + 60]) } == 0, "table \(table)")
        }
        #expect(try await db.read { try Int64.fetchOne($0, sql: "SELECT COUNT(*) FROM request_minutes") } == 1)
        #expect(try await db.read { try Int64.fetchOne($0, sql: "SELECT COUNT(*) FROM gateway_minutes") } == 1)
    }

    @Test func topOffendersAreBoundedPerMinute() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("metrics.sqlite")
        var snapshot = MetricsSnapshot()
        snapshot.takenAt = (t0 + 5) * 1_000_000_000
        for index in 0..<120 {
            snapshot.limited[LimitedKey(minute: t0, client: .v4(0x0A00_0000 + UInt32(index)), route: 1)] =
                Int64(index + 1)
        }
        await pipeline(path).ingest(snapshot)
        let db = try open(path)
        #expect(try await db.read { try Int64.fetchOne($0, sql: "SELECT COUNT(*) FROM limited_minutes") } == 50)
        #expect(try await db.read { try Int64.fetchOne($0, sql: "SELECT MIN(rejected) FROM limited_minutes") } == 71)
    }

    @Test func disabledMetricsOpenNoDatabase() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("metrics.sqlite")
        var config = KnownTraffic.config(database: path)
        config.enabled = false
        let pipeline = MetricsPipeline(
            labels: KnownTraffic.labels, config: config, version: "test", logger: Logger(label: "test")
        )
        await pipeline.ingest(KnownTraffic.snapshot())
        #expect(!FileManager.default.fileExists(atPath: path))
        let figures = await pipeline.figures()
        #expect(figures.databaseStatus == "disabled")
        #expect(figures.totals.requests == 24)
    }
}
