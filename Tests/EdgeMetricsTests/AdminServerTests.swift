import AsyncHTTPClient
import AyakaTestSupport
import EdgeCore
@testable import EdgeMetrics
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

/// The admin listener on a real loopback socket (port 0), fetched with AsyncHTTPClient.
@Suite struct AdminServerTests {
    @Test func servesStatusMetricsAndDashboard() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pipeline = MetricsPipeline(
            labels: KnownTraffic.labels, config: KnownTraffic.config(database: directory.file("m.sqlite")),
            version: "test", logger: Logger(label: "test")
        )
        await pipeline.ingest(KnownTraffic.snapshot())
        let gauges = ConnectionGauges()
        gauges.stripe().active.add(2, ordering: .relaxed)
        let source = StatusSource(
            gauges: gauges, pipeline: pipeline, config: ConfigState(loadedAt: MetricsClocks.wall()),
            version: "test", startedAt: MetricsClocks.wall()
        )
        try await withRunningService({ onReady in
            AdminServer(
                address: HostPort(host: "127.0.0.1", port: 0), source: source, logger: Logger(label: "admin"),
                onReady: onReady
            )
        }) { port in
            #expect(port > 0)

            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            func get(_ path: String) async throws -> (status: Int, type: String?, body: String) {
                let response = try await client.execute(
                    HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(10)
                )
                let body = try await response.body.collect(upTo: 4 << 20)
                return (Int(response.status.code), response.headers.first(name: "content-type"),
                        String(buffer: body))
            }
            do {
                let status = try await get("/status")
                #expect(status.status == 200)
                #expect(status.type == "text/plain; charset=utf-8")
                #expect(StubStatus.parse(status.body)?.active == 2)
                #expect(status.body.contains("\nrequests_total: 24\n"))

                let metrics = try await get("/metrics")
                #expect(metrics.status == 200)
                #expect(metrics.body.contains(#"ayaka_edge_http_rate_limited_total{route="users.create"} 6"#))

                let dashboard = try await get("/dashboard")
                #expect(dashboard.status == 200)
                #expect(dashboard.type == "text/html; charset=utf-8")
                #expect(dashboard.body.contains("<svg"))

                #expect(try await get("/nothing").status == 404)
            } catch {
                Issue.record("request failed: \(error)")
            }
            try await client.shutdown()
        }
    }
}

/// The flusher service: periodic flushes, and a final one on graceful shutdown.
@Suite struct FlusherTests {
    @Test func flushesPeriodicallyAndOnShutdown() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pipeline = MetricsPipeline(
            labels: KnownTraffic.labels, config: KnownTraffic.config(database: directory.file("m.sqlite")),
            version: "test", logger: Logger(label: "test")
        )
        let drains = Counter()
        let flusher = MetricsFlusher(pipeline: pipeline, interval: .milliseconds(20)) { now, _ in
            drains.increment()
            var snapshot = MetricsSnapshot()
            snapshot.takenAt = now
            snapshot.requests[RequestKey(minute: MetricsClocks.minuteStart(ofNanos: now), route: 1, method: .get,
                                         statusClass: 2)] = {
                var row = RequestRow()
                row.requests = 1
                return row
            }()
            return snapshot
        }
        let group = ServiceGroup(services: [flusher], logger: Logger(label: "group"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            while drains.value < 3 { try await Task.sleep(for: .milliseconds(5)) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        // Every drain was ingested, the last one on shutdown included.
        #expect(await pipeline.figures().totals.requests == Int64(drains.value))
        #expect(drains.value >= 4)
    }
}

/// A thread-safe counter for tests.
final class Counter: Sendable {
    private let count = Mutex(0)
    func increment() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}
