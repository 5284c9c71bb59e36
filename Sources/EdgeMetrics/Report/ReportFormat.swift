import Foundation

/// Output formats of `ayaka-edge report`.
public enum ReportFormat: String, Sendable, CaseIterable {
    case text, json, csv

    /// Renders `report` in this format (always ending with a newline).
    public func render(_ report: MetricsReport) -> String {
        switch self {
        case .text: ReportText.render(report)
        case .json: ReportJSON.render(report)
        case .csv: ReportCSV.render(report)
        }
    }
}

/// Parses `--since`: `<integer><unit>` with unit `s`, `m`, `h` or `d` (`90m`, `1h`, `7d`).
public enum ReportSince {
    public struct Invalid: Error, CustomStringConvertible {
        public let text: String
        public var description: String {
            "invalid --since '\(text)': expected <integer><unit> with unit s, m, h or d (e.g. 30m, 1h, 7d)"
        }
    }

    /// The range's length in seconds.
    public static func seconds(_ text: String) throws -> Int64 {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 9, let count = Int64(digits), count > 0 else {
            throw Invalid(text: text)
        }
        switch text.dropFirst(digits.count) {
        case "s": return count
        case "m": return count * 60
        case "h": return count * 3_600
        case "d": return count * 86_400
        default: throw Invalid(text: text)
        }
    }
}

/// JSON: the report's fields in snake_case, keys sorted, pretty-printed.
enum ReportJSON {
    static func render(_ report: MetricsReport) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain value types cannot fail.
        let data = (try? encoder.encode(report)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

/// CSV: one table in long form, `section,name,field,value` (RFC 4180 quoting), easy to filter or pivot.
enum ReportCSV {
    static func render(_ report: MetricsReport) -> String {
        var lines = ["section,name,field,value"]
        func add(_ section: String, _ name: String, _ field: String, _ value: String) {
            lines.append([section, name, field, value].map(quote).joined(separator: ","))
        }
        func addLatency(_ section: String, _ name: String, _ latency: MetricsReport.Percentiles) {
            add(section, name, "p50_ms", Formatting.decimal(latency.p50Ms, digits: 3))
            add(section, name, "p90_ms", Formatting.decimal(latency.p90Ms, digits: 3))
            add(section, name, "p99_ms", Formatting.decimal(latency.p99Ms, digits: 3))
            add(section, name, "max_ms", Formatting.decimal(latency.maxMs, digits: 3))
        }
        add("range", "since", "value", report.since)
        add("range", "from", "value", report.from)
        add("range", "to", "value", report.to)
        let totals = report.totals
        add("totals", "all", "requests", "\(totals.requests)")
        add("totals", "all", "rate_limited", "\(totals.rateLimited)")
        add("totals", "all", "dry_run_would_reject", "\(totals.dryRunWouldReject)")
        add("totals", "all", "responses_4xx", "\(totals.responses4xx)")
        add("totals", "all", "responses_5xx", "\(totals.responses5xx)")
        add("totals", "all", "error_rate", Formatting.decimal(totals.errorRate, digits: 4))
        add("totals", "all", "bytes_in", "\(totals.bytesIn)")
        add("totals", "all", "bytes_out", "\(totals.bytesOut)")
        addLatency("totals", "all", totals.latency)
        for route in report.routes {
            add("route", route.route, "requests", "\(route.requests)")
            add("route", route.route, "responses_2xx", "\(route.responses2xx)")
            add("route", route.route, "responses_3xx", "\(route.responses3xx)")
            add("route", route.route, "responses_4xx", "\(route.responses4xx)")
            add("route", route.route, "responses_5xx", "\(route.responses5xx)")
            add("route", route.route, "rate_limited", "\(route.rateLimited)")
            add("route", route.route, "dry_run_would_reject", "\(route.dryRunWouldReject)")
            add("route", route.route, "error_rate", Formatting.decimal(route.errorRate, digits: 4))
            add("route", route.route, "bytes_in", "\(route.bytesIn)")
            add("route", route.route, "bytes_out", "\(route.bytesOut)")
            addLatency("route", route.route, route.latency)
        }
        for line in report.topLimited {
            add("limited", "\(line.client) \(line.route)", "rejected", "\(line.rejected)")
        }
        for upstream in report.upstreams {
            add("upstream", upstream.upstream, "requests", "\(upstream.requests)")
            add("upstream", upstream.upstream, "connect_failures", "\(upstream.connectFailures)")
            add("upstream", upstream.upstream, "timeouts", "\(upstream.timeouts)")
            add("upstream", upstream.upstream, "broken", "\(upstream.broken)")
            add("upstream", upstream.upstream, "responses_5xx", "\(upstream.responses5xx)")
            add("upstream", upstream.upstream, "failure_rate", Formatting.decimal(upstream.failureRate, digits: 4))
            addLatency("upstream", upstream.upstream, upstream.latency)
        }
        let gateway = report.gateway
        for (field, value) in [
            ("opened", gateway.opened), ("closed", gateway.closed), ("peak_active", gateway.peakActive),
            ("messages_in", gateway.messagesIn), ("messages_out", gateway.messagesOut),
            ("pings_relayed", gateway.pingsRelayed), ("ping_timeouts", gateway.pingTimeouts),
            ("rejected", gateway.rejected),
        ] {
            add("gateway", "all", field, "\(value)")
        }
        for code in report.closeCodes { add("close_code", "\(code.code)", "count", "\(code.count)") }
        for shadow in report.shadowRules {
            add("shadow_rule", "\(shadow.route)/\(shadow.rule)", "would_reject", "\(shadow.wouldReject)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
