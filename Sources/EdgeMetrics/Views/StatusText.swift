/// The `/status` body: nginx `stub_status` lines, then `key: value` lines, then tables.
///
/// The first four lines are exactly `ngx_http_stub_status_module`'s output, trailing spaces included:
/// ```
/// Active connections: <active> \n
/// server accepts handled requests\n
///  <accepted> <handled> <requests> \n
/// Reading: <reading> Writing: <writing> Waiting: <waiting> \n
/// ```
/// Every field after the blank line is described in `docs/metrics-endpoints.md`.
enum StatusText {
    /// Rows shown in the "top limited buckets" table.
    static let topLimitedRows = 10

    static func stubStatus(_ live: ConnectionGauges.Values) -> String {
        "Active connections: \(live.active) \n"
            + "server accepts handled requests\n"
            + " \(live.accepted) \(live.handled) \(live.requests) \n"
            + "Reading: \(live.reading) Writing: \(live.writing) Waiting: \(live.waiting) \n"
    }

    static func render(
        live: ConnectionGauges.Values, figures: MetricsFigures, version: String, generation: Int,
        configLoadedAt: Int64, startedAt: Int64, now: Int64, reloadError: String? = nil
    ) -> String {
        let totals = figures.totals
        var out = stubStatus(live)
        out += "\n"
        let pairs: [(String, String)] = [
            ("uptime_seconds", "\(max(0, (now - startedAt) / 1_000_000_000))"),
            ("version", version),
            ("config_generation", "\(generation)"),
            ("config_loaded_at", Formatting.timestamp(nanos: configLoadedAt)),
            // One line: the first problem of the rejected file and how many there were.
            ("config_reload_error", reloadError.map { $0.split(separator: "\n").first.map(String.init) ?? $0 } ?? "none"),
            ("requests_total", "\(totals.requests)"),
            ("requests_per_second", Formatting.decimal(totals.requestsPerSecond(now: now))),
            ("rate_limited_total", "\(totals.rateLimited)"),
            ("dry_run_would_reject_total", "\(totals.dryRunWouldReject)"),
            ("bytes_in_total", "\(totals.bytesIn)"),
            ("bytes_out_total", "\(totals.bytesOut)"),
            ("gateway_active", "\(live.gatewayActive)"),
            ("metrics_db", figures.databaseStatus),
            ("metrics_db_path", figures.databasePath ?? "-"),
            ("metrics_db_dropped_snapshots", "\(figures.droppedSnapshots)"),
            ("metrics_db_dropped_rows", "\(figures.droppedRows)"),
            ("metrics_db_last_write_at", figures.lastWriteAt.map(Formatting.timestamp(nanos:)) ?? "never"),
        ]
        for (key, value) in pairs { out += "\(key): \(value)\n" }

        out += "\nroutes:\n"
        var routes = TextTable([
            "route", "requests", "1xx", "2xx", "3xx", "4xx", "5xx", "limited", "dry_run", "p50_ms", "p90_ms",
            "p99_ms", "max_ms",
        ])
        for (name, route) in totals.routes.sorted(by: { $0.key < $1.key }) {
            let classes = route.byStatusClass
            routes.append([
                name, "\(route.requests)", "\(classes[1])", "\(classes[2])", "\(classes[3])", "\(classes[4])",
                "\(classes[5])", "\(route.rateLimited)", "\(route.dryRunWouldReject)",
                Formatting.milliseconds(route.latency.percentileNanos(0.5)),
                Formatting.milliseconds(route.latency.percentileNanos(0.9)),
                Formatting.milliseconds(route.latency.percentileNanos(0.99)),
                Formatting.milliseconds(route.latency.maxNanos),
            ])
        }
        out += routes.render()

        out += "\nupstreams:\n"
        var upstreams = TextTable([
            "upstream", "requests", "connect_failures", "timeouts", "broken", "responses_5xx", "p50_ms", "p99_ms",
            "max_ms",
        ])
        for (name, upstream) in totals.upstreams.sorted(by: { $0.key < $1.key }) {
            let row = upstream.row
            upstreams.append([
                name, "\(row.requests)", "\(row.connectFailures)", "\(row.timeouts)", "\(row.broken)",
                "\(row.responses5xx)", Formatting.milliseconds(row.latency.percentileNanos(0.5)),
                Formatting.milliseconds(row.latency.percentileNanos(0.99)),
                Formatting.milliseconds(row.latency.maxNanos),
            ])
        }
        out += upstreams.render()

        let gateway = totals.gateway.row
        out += "\ngateway:\n"
        var gatewayTable = TextTable(["active", "opened", "closed", "peak_active", "messages_in", "messages_out",
                                      "pings_relayed", "ping_timeouts", "rejected"])
        gatewayTable.append([
            "\(live.gatewayActive)", "\(gateway.opened)", "\(gateway.closed)", "\(gateway.peakActive)",
            "\(gateway.messagesIn)", "\(gateway.messagesOut)", "\(gateway.pingsRelayed)", "\(gateway.pingTimeouts)",
            "\(gateway.rejected)",
        ])
        out += gatewayTable.render()

        out += "\ngateway_close_codes:\n"
        var codes = TextTable(["code", "count"])
        for (code, count) in totals.gateway.closeCodes.sorted(by: { $0.key < $1.key }) {
            codes.append(["\(code)", "\(count)"])
        }
        out += codes.render()

        out += "\ntop_limited_buckets:\n"
        var limited = TextTable(["client", "route", "rejected"])
        for (bucket, rejected) in totals.topLimited(topLimitedRows) {
            limited.append([bucket.client, bucket.route, "\(rejected)"])
        }
        out += limited.render()

        if !totals.shadow.isEmpty {
            out += "\nshadow_rules:\n"
            var shadow = TextTable(["route/rule", "would_reject"])
            for (name, count) in totals.shadow.sorted(by: { $0.key < $1.key }) { shadow.append([name, "\(count)"]) }
            out += shadow.render()
        }
        return out
    }
}
