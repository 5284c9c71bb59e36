import EdgeCore
@testable import EdgeMetrics
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Logging
import Testing

/// `/status`, `/metrics` and `/dashboard` over the known traffic.
@Suite struct ViewsTests {
    let t0 = KnownTraffic.t0

    func responses(_ path: String, gauges: ConnectionGauges = ConnectionGauges()) async -> AdminResponses {
        let clock = TestClock(seconds: t0 + 80)
        let pipeline = MetricsPipeline(
            labels: KnownTraffic.labels, config: KnownTraffic.config(database: path), version: "9.9.9",
            logger: Logger(label: "test"), clock: clock.clock
        )
        await pipeline.ingest(KnownTraffic.snapshot())
        return AdminResponses(source: StatusSource(
            gauges: gauges, pipeline: pipeline, config: ConfigState(generation: 3, loadedAt: t0 * 1_000_000_000),
            version: "9.9.9", startedAt: (t0 - 20) * 1_000_000_000, clock: clock.clock
        ))
    }

    static func gauges() -> ConnectionGauges {
        // Two writers' shares, added up when read.
        let gauges = ConnectionGauges()
        let one = gauges.stripe(), other = gauges.stripe()
        one.accepted.add(16630900, ordering: .relaxed)
        other.accepted.add(48, ordering: .relaxed)
        one.handled.add(16630948, ordering: .relaxed)
        one.requests.add(31070000, ordering: .relaxed)
        other.requests.add(465, ordering: .relaxed)
        one.active.add(300, ordering: .relaxed)
        other.active.add(-9, ordering: .relaxed)  // a share may see more closes than accepts
        one.reading.add(6, ordering: .relaxed)
        other.writing.add(179, ordering: .relaxed)
        one.waiting.add(106, ordering: .relaxed)
        other.gatewayActive.add(4, ordering: .relaxed)
        return gauges
    }

    @Test func stubStatusLinesAreNginxExactly() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let text = await responses(directory.file("m.sqlite"), gauges: Self.gauges()).statusText()
        // The contract's example, byte for byte.
        #expect(text.hasPrefix("""
            Active connections: 291 \nserver accepts handled requests\n 16630948 16630948 31070465 \n\
            Reading: 6 Writing: 179 Waiting: 106 \n\n
            """))
        let parsed = try #require(StubStatus.parse(text))
        #expect(parsed == StubStatus(active: 291, accepts: 16630948, handled: 16630948, requests: 31070465,
                                     reading: 6, writing: 179, waiting: 106))
    }

    @Test func stubStatusParserRefusesOtherSpacing() {
        #expect(StubStatus.parse("Active connections: 1\nserver accepts handled requests\n 1 1 1 \n"
            + "Reading: 0 Writing: 1 Waiting: 0 \n\n") == nil)
        #expect(StubStatus.parse("Active connections: 1 \nserver accepts handled requests\n1 1 1 \n"
            + "Reading: 0 Writing: 1 Waiting: 0 \n\n") == nil)
        #expect(StubStatus.parse("Active connections: 1 \nserver accepts handled requests\n 1 1 1 \n"
            + "Reading: 0 Writing: 1 Waiting: 0\n\n") == nil)
        #expect(StubStatus.parse(StatusText.stubStatus(.init(active: 1)) + "\n") != nil)
    }

    @Test func statusKeyValuesAndTables() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let text = await responses(directory.file("m.sqlite"), gauges: Self.gauges()).statusText()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var values: [String: String] = [:]
        for line in lines.dropFirst(5) {
            guard line.isEmpty == false else { break }
            let parts = line.split(separator: ":", maxSplits: 1)
            values[String(parts[0])] = String(parts[1].dropFirst())
        }
        #expect(values["uptime_seconds"] == "100")
        #expect(values["version"] == "9.9.9")
        #expect(values["config_generation"] == "3")
        #expect(values["config_loaded_at"] == "2027-01-15T08:00:00Z")
        #expect(values["requests_total"] == "24")
        #expect(values["requests_per_second"] == "0.40")
        #expect(values["rate_limited_total"] == "6")
        #expect(values["dry_run_would_reject_total"] == "1")
        #expect(values["bytes_in_total"] == "120")
        #expect(values["bytes_out_total"] == "1950")
        #expect(values["gateway_active"] == "4")
        #expect(values["metrics_db"] == "ok")
        #expect(values["metrics_db_dropped_snapshots"] == "0")

        func row(_ section: String, _ first: String) -> [String]? {
            guard let start = lines.firstIndex(of: "\(section):") else { return nil }
            return lines[(start + 2)...].prefix { !$0.isEmpty }
                .map { $0.split(separator: " ").map(String.init) }
                .first { $0.first == first }
        }
        // route requests 1xx 2xx 3xx 4xx 5xx limited dry_run p50 p90 p99 max
        #expect(row("routes", "users.get") == [
            "users.get", "17", "0", "15", "0", "0", "2", "0", "1", "3.800", "35.000", "50.000", "50.000",
        ])
        #expect(row("routes", "users.create")?[1...7] == ["6", "0", "0", "0", "6", "0", "6"])
        #expect(row("upstreams", "127.0.0.1:7070")?[1...5] == ["18", "2", "0", "0", "2"])
        #expect(row("gateway", "4") == ["4", "2", "2", "2", "5", "7", "1", "1", "1"])
        #expect(row("gateway_close_codes", "4009") == ["4009", "1"])
        #expect(row("top_limited_buckets", "203.0.113.7") == ["203.0.113.7", "users.create", "5"])
        #expect(row("top_limited_buckets", "198.51.100.1") == ["198.51.100.1", "users.create", "1"])
        // route/rule would_reject limit enforced_limit enforced_limited (KnownTraffic's labels carry no limits)
        #expect(row("shadow_rules", "users.get/users.get.strict") == ["users.get/users.get.strict", "2", "-", "-", "0"])
    }

    @Test func prometheusText() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let text = await responses(directory.file("m.sqlite"), gauges: Self.gauges()).metricsText()
        let lines = Set(text.split(separator: "\n").map(String.init))
        let expected = [
            #"ayaka_edge_http_requests_total{route="users.get",method="GET",status_class="2xx"} 15"#,
            #"ayaka_edge_http_requests_total{route="users.get",method="GET",status_class="5xx"} 2"#,
            #"ayaka_edge_http_requests_total{route="users.create",method="POST",status_class="4xx"} 6"#,
            #"ayaka_edge_http_requests_total{route="default",method="GET",status_class="4xx"} 1"#,
            #"ayaka_edge_http_rate_limited_total{route="users.create"} 6"#,
            #"ayaka_edge_http_dry_run_would_reject_total{route="users.get"} 1"#,
            #"ayaka_edge_http_shadow_would_reject_total{route="users.get",rule="users.get.strict"} 2"#,
            #"ayaka_edge_http_request_duration_seconds_count{route="users.get"} 17"#,
            #"ayaka_edge_http_request_duration_seconds_bucket{route="users.get",le="0.005"} 15"#,
            #"ayaka_edge_http_request_duration_seconds_bucket{route="users.get",le="0.05"} 17"#,
            #"ayaka_edge_http_request_duration_seconds_bucket{route="users.get",le="+Inf"} 17"#,
            // The exact sum: 15 requests of 3 ms and 2 of 50 ms.
            #"ayaka_edge_http_request_duration_seconds_sum{route="users.get"} 0.145"#,
            "# TYPE ayaka_edge_http_request_duration_seconds histogram",
            #"ayaka_edge_upstream_requests_total{upstream="127.0.0.1:7070"} 18"#,
            #"ayaka_edge_upstream_failures_total{upstream="127.0.0.1:7070",reason="connect_failed"} 2"#,
            #"ayaka_edge_gateway_connections_opened_total 2"#,
            #"ayaka_edge_gateway_connections_closed_total 2"#,
            #"ayaka_edge_gateway_messages_total{direction="in"} 5"#,
            #"ayaka_edge_gateway_close_codes_total{code="4009"} 1"#,
            #"ayaka_edge_gateway_rejected_total 1"#,
            "ayaka_edge_connections_active 291.0",
            "ayaka_edge_connections_waiting 106.0",
            "ayaka_edge_connections_accepted_total 16630948",
            "ayaka_edge_gateway_connections_active 4.0",
            "ayaka_edge_metrics_db_up 1.0",
            "ayaka_edge_config_generation 3.0",
            #"ayaka_edge_build_info{version="9.9.9"} 1.0"#,
            "# TYPE ayaka_edge_http_requests_total counter",
        ]
        for line in expected { #expect(lines.contains(line), "missing: \(line)") }
        // Bounded labels: never a client address or a raw path.
        #expect(!text.contains("203.0.113.7"))
        #expect(!text.contains("/users/@me"))
    }

    @Test func dashboardIsWellFormedWithASeriesPerChart() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let html = await responses(directory.file("m.sqlite")).dashboardHTML()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains(#"<meta http-equiv="refresh" content="10"/>"#))
        // Nothing is loaded from anywhere: no script, no link, no src or href attribute, no CSS url() or @import.
        for forbidden in ["<script", "<link", " src=", " href=", "url(", "@import"] {
            #expect(!html.contains(forbidden), "dashboard contains \(forbidden)")
        }

        let checker = XMLStructure()
        let parser = XMLParser(data: Data(html.utf8))
        parser.delegate = checker
        let parsed = parser.parse()
        #expect(parsed, "dashboard is not well-formed XML: \(String(describing: parser.parserError))")
        if !parsed { try? html.write(toFile: "/tmp/edge-dashboard-failed.html", atomically: true, encoding: .utf8) }
        // 8 history charts, plus the tuning panel's shadow chart for users.get (KnownTraffic has a shadow count).
        #expect(checker.charts.count == 9)
        for chart in checker.charts { #expect(chart.polylines >= 1, "chart \(chart.title) has no series") }
        let requests = try #require(checker.charts.first { $0.title.hasPrefix("Requests per second") })
        #expect(requests.polylines == 4)

        // The last-hour requests chart has a point above zero for the recorded minutes.
        let first = try #require(checker.polylinePoints.first)
        let ys = first.split(separator: " ").compactMap { $0.split(separator: ",").last.flatMap { Double($0) } }
        #expect(ys.count == 60)
        #expect(Set(ys).count > 1)
    }
}

/// Records the `<svg>` charts of an XHTML page and the `<polyline>`s inside each.
final class XMLStructure: NSObject, XMLParserDelegate {
    struct Chart {
        var title = ""
        var polylines = 0
    }

    var charts: [Chart] = []
    var polylinePoints: [String] = []
    private var inSVG = false
    private var depth: [String] = []
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        depth.append(name)
        text = ""
        if name == "svg" {
            inSVG = true
            charts.append(Chart(title: attributes["aria-label"] ?? ""))
        } else if inSVG, name == "polyline" || name == "path" {
            charts[charts.count - 1].polylines += 1
            if let points = attributes["points"] { polylinePoints.append(points) }
        }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        depth.removeLast()
        if name == "svg" { inSVG = false }
    }
}
