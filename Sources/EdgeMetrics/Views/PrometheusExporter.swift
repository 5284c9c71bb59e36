import Prometheus
import Synchronization

/// The `/metrics` registry (swift-prometheus): counters fed by each ingested snapshot, gauges set from
/// the live values at scrape time. Labels are route names, method classes, status classes, upstream
/// `host:port` names, shadow rule names and gateway close codes: all bounded by config, never a raw
/// path or a client address. Every metric name is listed in `docs/metrics-endpoints.md`.
public final class PrometheusExporter: Sendable {
    public let registry = PrometheusCollectorRegistry()
    /// The latency histograms, rendered after the registry's families.
    private let latencies = PrometheusLatencyHistograms()
    private let lastLive = Mutex(ConnectionGauges.Values())

    private let active: Gauge
    private let reading: Gauge
    private let writing: Gauge
    private let waiting: Gauge
    private let accepted: Counter
    private let handled: Counter
    private let clientRequests: Counter
    private let gatewayActive: Gauge
    private let databaseUp: Gauge
    private let droppedSnapshots: Gauge
    private let configGeneration: Gauge
    private let uptime: Gauge

    public init(version: String) {
        active = registry.makeGauge(descriptor: Self.name("connections", "active", "Open client connections."))
        reading = registry.makeGauge(descriptor: Self.name("connections", "reading", "Connections reading a request."))
        writing = registry.makeGauge(descriptor: Self.name("connections", "writing", "Connections writing a response."))
        waiting = registry.makeGauge(descriptor: Self.name("connections", "waiting", "Idle keep-alive connections."))
        accepted = registry.makeCounter(descriptor: Self.name("connections_accepted", "total", "Accepted connections."))
        handled = registry.makeCounter(descriptor: Self.name("connections_handled", "total", "Handled connections."))
        clientRequests = registry.makeCounter(
            descriptor: Self.name("client_requests", "total", "Client requests read (live, before any flush).")
        )
        gatewayActive = registry.makeGauge(
            descriptor: Self.name("gateway_connections", "active", "Open relayed WebSocket connections.")
        )
        databaseUp = registry.makeGauge(
            descriptor: Self.name("metrics_db", "up", "1 when the metrics database takes writes, else 0.")
        )
        droppedSnapshots = registry.makeGauge(
            descriptor: Self.name("metrics_db_dropped", "snapshots", "Flushes lost to database failures.")
        )
        configGeneration = registry.makeGauge(
            descriptor: Self.name("config", "generation", "Config generation in force (1 at start, +1 per reload).")
        )
        uptime = registry.makeGauge(descriptor: Self.name("uptime", "seconds", "Seconds since the proxy started."))
        registry.makeGauge(
            descriptor: Self.name("build", "info", "Always 1; the version is a label."), labels: [("version", version)]
        ).set(to: 1)
    }

    private static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "ayaka_edge", metricName: metric, unitName: unit, helpText: help)
    }

    private func counter(_ metric: String, _ help: String, _ labels: [(String, String)]) -> Counter {
        registry.makeCounter(descriptor: Self.name(metric, "total", help), labels: labels)
    }

    /// Adds a snapshot's counts to the counters and histograms.
    func apply(_ snapshot: MetricsSnapshot, labels: MetricsLabels) {
        for (key, row) in snapshot.requests {
            let route = labels.route(key.route)
            counter("http_requests", "REST requests by route, method and status class.", [
                ("route", route), ("method", key.method.name), ("status_class", Self.statusClassLabel(key.statusClass)),
            ]).increment(by: row.requests)
            if row.rateLimited > 0 {
                counter("http_rate_limited", "Requests rejected with 429.", [("route", route)])
                    .increment(by: row.rateLimited)
            }
            if row.dryRunWouldReject > 0 {
                counter("http_dry_run_would_reject", "Requests a dry-run rule would have rejected.", [("route", route)])
                    .increment(by: row.dryRunWouldReject)
            }
            counter("http_received_bytes", "Request body bytes received.", [("route", route)])
                .increment(by: row.bytesIn)
            counter("http_sent_bytes", "Response body bytes sent.", [("route", route)]).increment(by: row.bytesOut)
            latencies.add(row.latency, to: .request, label: route)
        }
        for (key, count) in snapshot.shadow {
            counter("http_shadow_would_reject", "Requests a shadow rule would have rejected.", [
                ("route", labels.route(key.route)), ("rule", labels.shadowRule(route: key.route, rule: key.rule)),
            ]).increment(by: count)
        }
        for (key, row) in snapshot.upstreams {
            let upstream = labels.upstream(key.server)
            counter("upstream_requests", "Exchanges with an upstream server.", [("upstream", upstream)])
                .increment(by: row.requests)
            for (reason, count) in [("connect_failed", row.connectFailures), ("timeout", row.timeouts),
                                    ("broken", row.broken)] where count > 0 {
                counter("upstream_failures", "Failed upstream exchanges by reason.", [
                    ("upstream", upstream), ("reason", reason),
                ]).increment(by: count)
            }
            if row.responses5xx > 0 {
                counter("upstream_responses_5xx", "5xx responses for requests sent to the server.", [
                    ("upstream", upstream),
                ]).increment(by: row.responses5xx)
            }
            latencies.add(row.latency, to: .upstream, label: upstream)
        }
        for row in snapshot.gateway.values {
            counter("gateway_connections_opened", "Relayed WebSocket connections opened.", []).increment(by: row.opened)
            counter("gateway_connections_closed", "Relayed WebSocket connections closed.", []).increment(by: row.closed)
            counter("gateway_messages", "Relayed WebSocket data messages by direction.", [("direction", "in")])
                .increment(by: row.messagesIn)
            counter("gateway_messages", "Relayed WebSocket data messages by direction.", [("direction", "out")])
                .increment(by: row.messagesOut)
            counter("gateway_pings_relayed", "Client pings relayed upstream.", []).increment(by: row.pingsRelayed)
            counter("gateway_ping_timeouts", "Connections closed with 4009 (no ping in time).", [])
                .increment(by: row.pingTimeouts)
            counter("gateway_rejected", "Upgrades refused by the per-IP connection cap.", [])
                .increment(by: row.rejected)
        }
        for (key, count) in snapshot.closeCodes {
            counter("gateway_close_codes", "Gateway connections closed, by close code.", [("code", "\(key.code)")])
                .increment(by: count)
        }
    }

    /// Adds binned tuning windows: (client, window) pairs and their requests, by rule and window length.
    func apply(_ rows: TuningRows, labels: MetricsLabels) {
        for (key, histogram) in rows.histograms {
            let labels = [
                ("route", TuningWriter.ruleName(key.rule, labels: labels)),
                ("window", WindowText.text(seconds: key.windowSeconds)),
            ]
            counter("tuning_window_pairs", "Closed (client, aligned window) pairs recorded for tuning.", labels)
                .increment(by: histogram.totalPairs)
            counter("tuning_window_requests", "Requests in closed (client, aligned window) pairs.", labels)
                .increment(by: histogram.totalRequests)
        }
    }

    /// Sets the live gauges and renders the whole registry in the Prometheus text format.
    func render(live: ConnectionGauges.Values, databaseUp up: Bool, dropped: Int64, generation: Int,
                uptimeSeconds: Double) -> String {
        active.set(Int64(live.active))
        reading.set(Int64(live.reading))
        writing.set(Int64(live.writing))
        waiting.set(Int64(live.waiting))
        gatewayActive.set(Int64(live.gatewayActive))
        databaseUp.set(to: up ? 1.0 : 0.0)
        droppedSnapshots.set(dropped)
        configGeneration.set(Int64(generation))
        uptime.set(to: uptimeSeconds)
        lastLive.withLock { last in
            if live.accepted > last.accepted { accepted.increment(by: Int64(live.accepted - last.accepted)) }
            if live.handled > last.handled { handled.increment(by: Int64(live.handled - last.handled)) }
            if live.requests > last.requests { clientRequests.increment(by: Int64(live.requests - last.requests)) }
            last.accepted = max(last.accepted, live.accepted)
            last.handled = max(last.handled, live.handled)
            last.requests = max(last.requests, live.requests)
        }
        var text = registry.emitToString()
        latencies.render(into: &text)
        return text
    }

    static func statusClassLabel(_ statusClass: Int) -> String {
        (1...5).contains(statusClass) ? "\(statusClass)xx" : "other"
    }
}
