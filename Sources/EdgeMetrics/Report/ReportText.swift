/// The human-readable report: a summary, then one aligned table per section.
enum ReportText {
    static func render(_ report: MetricsReport) -> String {
        let totals = report.totals
        var out = "ayaka-edge traffic report: last \(report.since) (\(report.from) .. \(report.to))\n\n"
        out += "requests: \(totals.requests)\n"
        out += "rate_limited: \(totals.rateLimited) (\(Formatting.percent(totals.rateLimited, of: totals.requests)))\n"
        out += "dry_run_would_reject: \(totals.dryRunWouldReject)\n"
        out += "responses_4xx: \(totals.responses4xx)\n"
        let errorRate = Formatting.percent(totals.responses5xx, of: totals.requests)
        out += "responses_5xx: \(totals.responses5xx) (error rate \(errorRate))\n"
        out += "bytes_in: \(totals.bytesIn)\n"
        out += "bytes_out: \(totals.bytesOut)\n"
        out += "latency_ms: p50 \(ms(totals.latency.p50Ms)) p90 \(ms(totals.latency.p90Ms)) "
            + "p99 \(ms(totals.latency.p99Ms)) max \(ms(totals.latency.maxMs))\n"

        out += "\ntop routes:\n"
        var routes = TextTable([
            "route", "requests", "2xx", "3xx", "4xx", "5xx", "limited", "dry_run", "error_rate", "p50_ms", "p90_ms",
            "p99_ms", "max_ms",
        ])
        for route in report.routes {
            routes.append([
                route.route, "\(route.requests)", "\(route.responses2xx)", "\(route.responses3xx)",
                "\(route.responses4xx)", "\(route.responses5xx)", "\(route.rateLimited)", "\(route.dryRunWouldReject)",
                Formatting.percent(route.responses5xx, of: route.requests), ms(route.latency.p50Ms),
                ms(route.latency.p90Ms), ms(route.latency.p99Ms), ms(route.latency.maxMs),
            ])
        }
        out += routes.render()

        out += "\ntop limited buckets:\n"
        var limited = TextTable(["client", "route", "rejected"])
        for line in report.topLimited { limited.append([line.client, line.route, "\(line.rejected)"]) }
        out += limited.render()

        out += "\nupstreams:\n"
        var upstreams = TextTable([
            "upstream", "requests", "connect_failures", "timeouts", "broken", "responses_5xx", "failure_rate",
            "p50_ms", "p99_ms", "max_ms",
        ])
        for line in report.upstreams {
            upstreams.append([
                line.upstream, "\(line.requests)", "\(line.connectFailures)", "\(line.timeouts)", "\(line.broken)",
                "\(line.responses5xx)", Formatting.percent(line.connectFailures + line.timeouts + line.broken,
                                                           of: line.requests),
                ms(line.latency.p50Ms), ms(line.latency.p99Ms), ms(line.latency.maxMs),
            ])
        }
        out += upstreams.render()

        let gateway = report.gateway
        out += "\ngateway:\n"
        var gatewayTable = TextTable(["opened", "closed", "peak_active", "messages_in", "messages_out",
                                      "pings_relayed", "ping_timeouts", "rejected"])
        gatewayTable.append([
            "\(gateway.opened)", "\(gateway.closed)", "\(gateway.peakActive)", "\(gateway.messagesIn)",
            "\(gateway.messagesOut)", "\(gateway.pingsRelayed)", "\(gateway.pingTimeouts)", "\(gateway.rejected)",
        ])
        out += gatewayTable.render()
        out += "\nclose codes:\n"
        var codes = TextTable(["code", "count"])
        for line in report.closeCodes { codes.append(["\(line.code)", "\(line.count)"]) }
        out += codes.render()
        if !report.shadowRules.isEmpty {
            out += "\nshadow rules:\n"
            var shadow = TextTable(["route", "rule", "would_reject"])
            for line in report.shadowRules { shadow.append([line.route, line.rule, "\(line.wouldReject)"]) }
            out += shadow.render()
        }
        return out
    }

    private static func ms(_ value: Double) -> String {
        Formatting.decimal(value, digits: 3)
    }
}
