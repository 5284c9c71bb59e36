import EdgeCore
@testable import EdgeMetrics
import Foundation
import GRDB
import Logging
import Testing

@Suite struct DatabaseFailureTests {
    let t0 = KnownTraffic.t0

    func makeSource(_ pipeline: MetricsPipeline) -> AdminResponses {
        AdminResponses(source: StatusSource(
            gauges: ConnectionGauges(), pipeline: pipeline, config: ConfigState(loadedAt: t0 * 1_000_000_000),
            version: "test", startedAt: t0 * 1_000_000_000, clock: TestClock(seconds: t0 + 80).clock
        ))
    }

    func statusValue(_ text: String, _ key: String) -> String? {
        text.split(separator: "\n").first { $0.hasPrefix(key + ": ") }.map { String($0.dropFirst(key.count + 2)) }
    }

    /// A regular file where the database's directory should be: the directory cannot be created.
    @Test func missingDirectoryIsReportedAndRecovers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let blocker = directory.file("data")
        _ = FileManager.default.createFile(atPath: blocker, contents: Data("not a directory".utf8))
        let path = blocker + "/metrics.sqlite"
        let pipeline = MetricsPipeline(
            labels: KnownTraffic.labels, config: KnownTraffic.config(database: path), version: "test",
            logger: Logger(label: "test")
        )
        let rows = KnownTraffic.snapshot().rowCount
        await pipeline.ingest(KnownTraffic.snapshot())
        await pipeline.ingest(KnownTraffic.snapshot())

        let responses = makeSource(pipeline)
        var status = await responses.statusText()
        let line = try #require(statusValue(status, "metrics_db"))
        #expect(line.hasPrefix("error: cannot create directory \(blocker)"))
        #expect(line.hasSuffix(", dropped: 2"))
        #expect(statusValue(status, "metrics_db_dropped_rows") == "\(2 * rows)")
        // Traffic totals are still kept while the database is down.
        #expect(statusValue(status, "requests_total") == "48")
        let metrics = await responses.metricsText()
        #expect(metrics.contains("ayaka_edge_metrics_db_up 0.0"))
        #expect(await responses.dashboardHTML().contains("Metrics database unavailable"))

        // The disk "comes back": the next flush reopens and writes.
        try FileManager.default.removeItem(atPath: blocker)
        await pipeline.ingest(KnownTraffic.snapshot())
        status = await responses.statusText()
        #expect(statusValue(status, "metrics_db") == "ok")
        #expect(statusValue(status, "metrics_db_dropped_snapshots") == "2")
        let db = try DatabaseQueue(path: path)
        #expect(try await db.read { try Int64.fetchOne($0, sql: "SELECT SUM(requests) FROM request_minutes") } == 24)
    }

    @Test func deletedDatabaseFileIsRecreated() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("metrics.sqlite")
        let pipeline = MetricsPipeline(
            labels: KnownTraffic.labels, config: KnownTraffic.config(database: path), version: "test",
            logger: Logger(label: "test")
        )
        await pipeline.ingest(KnownTraffic.snapshot())
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        await pipeline.ingest(KnownTraffic.snapshot())
        let db = try DatabaseQueue(path: path)
        #expect(try await db.read { try Int64.fetchOne($0, sql: "SELECT SUM(requests) FROM request_minutes") } == 24)
        #expect(await pipeline.figures().databaseStatus == "ok")
    }

    /// A directory the process cannot write into: `chmod 555` for an ordinary user; for root (whom
    /// permissions do not stop) the immutable attribute (`chattr +i`), when the file system has it.
    @Test func readOnlyDirectoryIsReportedAndRecovers() async throws {
        let directory = try TemporaryDirectory()
        defer {
            ReadOnlyDirectory.restore(directory.path)
            directory.remove()
        }
        guard ReadOnlyDirectory.make(directory.path) else {
            // Neither way is available here (root on a file system without the immutable attribute).
            return
        }
        let path = directory.file("metrics.sqlite")
        let pipeline = MetricsPipeline(
            labels: KnownTraffic.labels, config: KnownTraffic.config(database: path), version: "test",
            logger: Logger(label: "test")
        )
        await pipeline.ingest(KnownTraffic.snapshot())
        let failing = await pipeline.figures()
        #expect(failing.databaseStatus.hasPrefix("error: "))
        #expect(failing.databaseStatus.hasSuffix(", dropped: 1"))
        #expect(failing.droppedSnapshots == 1)
        #expect(failing.totals.requests == 24)

        ReadOnlyDirectory.restore(directory.path)
        await pipeline.ingest(KnownTraffic.snapshot())
        #expect(await pipeline.figures().databaseStatus == "ok")
        let db = try DatabaseQueue(path: path)
        #expect(try await db.read { try Int64.fetchOne($0, sql: "SELECT SUM(requests) FROM request_minutes") } == 24)
    }

    @Test func healthLogsOncePerStateChange() {
        var health = DatabaseHealth(enabled: true)
        #expect(health.writeFailed(reason: "disk full", rows: 3) == .logFailure(reason: "disk full"))
        #expect(health.writeFailed(reason: "disk full", rows: 2) == .none)
        #expect(health.writeFailed(reason: "locked", rows: 1) == .logFailure(reason: "locked"))
        #expect(health.statusText == "error: locked, dropped: 3")
        #expect(health.writeSucceeded(at: 1) == .logRecovery(droppedSnapshots: 3, droppedRows: 6))
        #expect(health.writeSucceeded(at: 2) == .none)
        #expect(health.statusText == "ok")
        #expect(health.droppedRows == 6)
    }
}
