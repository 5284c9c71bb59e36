import EdgeCore
@testable import EdgeMetrics
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// A shadow rule's would-reject counts equal the rejections of a run that enforces the same limit, and
/// `/status`, `report` and `/metrics` show them beside the enforced rule's.
@Suite struct TuningShadowTests {
    static let strict = RateLimitRule(name: "strict", limit: 5, per: .seconds(10))

    func rules(enforcing rule: RateLimitRule, shadows: [RateLimitRule]) -> EdgeConfig.RateLimits {
        var rules = EdgeConfig.RateLimits()
        rules.global = RateLimitRule(name: "GLOBAL", limit: 1_000_000_000, per: .seconds(1))
        rules.routes = [RouteRule(method: "GET", path: "/things", rule: rule, shadows: shadows)]
        return rules
    }

    @Test("shadow would-reject == enforcing run's 429s for the same limit, in /status, report and /metrics")
    func shadowEqualsEnforced() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("metrics.sqlite")
        let loose = RateLimitRule(name: "things", limit: 1_000, per: .seconds(10))
        let watched = RateLimiter(rules: rules(enforcing: loose, shadows: [Self.strict]))
        var strictRule = Self.strict
        strictRule.name = "things"
        let enforcing = RateLimiter(rules: rules(enforcing: strictRule, shadows: []))
        let match = watched.match(method: "GET", path: "/things")
        #expect(match.index == 1)

        var config = EdgeConfig()
        config.rateLimits = rules(enforcing: loose, shadows: [Self.strict])
        config.upstreams.rest = []
        let labels = MetricsLabels(config: config)
        let clock = TestClock(seconds: AlignedTraffic.t0)
        let shard = MetricsShard(labels: labels, clock: clock.clock)
        var random = SplitMix(seed: 42)
        var enforcedRejections: Int64 = 0
        var now = AlignedTraffic.t0 * 1_000_000_000
        for _ in 0..<2_000 {
            now += Int64(random.next() % 400_000_000)
            let client = IPAddress("192.0.2.\(random.next() % 4)")!
            let decision = watched.check(client: client, route: match, now: now)
            if !enforcing.check(client: client, route: match, now: now).isAllowed { enforcedRejections += 1 }
            clock.set(seconds: now / 1_000_000_000)
            shard.recordRequest(
                route: 1, method: .get, status: 200, bytesIn: 0, bytesOut: 0, latencyNanos: 1_000,
                rateLimited: false, dryRunWouldReject: false, shadowWouldReject: decision.shadowWouldReject,
                client: client, upstream: nil)
        }
        #expect(enforcedRejections > 100)
        let end = now

        var pipelineConfig = EdgeConfig.Metrics()
        pipelineConfig.database = path
        pipelineConfig.retention = .days(3650)
        let pipeline = MetricsPipeline(labels: labels, config: pipelineConfig, version: "test",
                                       logger: .init(label: "test"), clock: { end })
        await pipeline.ingest(shard.drain(now: end))

        let figures = await pipeline.figures()
        let status = StatusText.render(live: .init(), figures: figures, version: "test", generation: 1,
                                       configLoadedAt: 0, startedAt: 0, now: now)
        let row = try #require(status.split(separator: "\n").first { $0.hasPrefix("  things/strict") })
        #expect(row.split(separator: " ").map(String.init) == ["things/strict", "\(enforcedRejections)", "5/10s",
                                                               "1000/10s", "0"])

        let report = try ReportQuery.run(path: path, since: 86_400, sinceText: "1d",
                                         now: now / 1_000_000_000 + 60)
        #expect(report.shadowRules == [.init(route: "things", rule: "strict", wouldReject: enforcedRejections,
                                             routeRateLimited: 0)])

        let metrics = pipeline.exporter.render(live: .init(), databaseUp: true, dropped: 0, generation: 1,
                                               uptimeSeconds: 1)
        #expect(metrics.contains(
            "ayaka_edge_http_shadow_would_reject_total{route=\"things\",rule=\"strict\"} \(enforcedRejections)"))
    }

    @Test("the dashboard's tuning panel shows each rule's limit, p50/p99/max and shadow would-reject charts")
    func dashboardPanel() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("metrics.sqlite")
        var traffic = AlignedTraffic()
        traffic.add(route: 3, windowSeconds: 60, clients: 5, windows: 3, counts: 2...9, seed: 9)
        let labels = MetricsLabels(routes: TuningFixtures.labels.routes, upstreams: [],
                                   shadowRules: [[], [], [], ["tight"]], limits: ["w1m": "30/1m", "w1m/tight": "4/1m"])
        let pipeline = TuningFixtures.pipeline(path, labels: labels)
        _ = await traffic.record(into: pipeline, windows: [.minutes(1)])
        var snapshot = MetricsSnapshot()
        snapshot.takenAt = (AlignedTraffic.t0 + 600) * 1_000_000_000
        snapshot.shadow[ShadowKey(minute: AlignedTraffic.t0, route: 3, rule: 0)] = 7
        await pipeline.ingest(snapshot)
        let reader = try #require(await pipeline.reader())
        let html = try await reader.read { db in
            try TuningPanel(now: AlignedTraffic.t0 + 3_600, db: db).render(limits: labels.limits)
        }
        #expect(html.contains("<h3>w1m (limit 30/1m)</h3>"))
        #expect(html.contains("shadow would-reject vs enforced 429"))
        #expect(html.contains("tight (4/1m)"))
        let page = DashboardPage.render(data: [], header: [], notice: nil, tuning: html)
        let parser = XMLParser(data: Data(page.utf8))
        #expect(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
    }
}
