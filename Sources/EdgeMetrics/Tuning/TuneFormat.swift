import Foundation

/// Output formats of `ayaka-edge tune` (the same three as `report`).
public enum TuneFormat {
    public static func render(_ report: TuneReport, as format: ReportFormat) -> String {
        switch format {
        case .text: text(report)
        case .json: json(report)
        case .csv: csv(report)
        }
    }

    static func text(_ report: TuneReport) -> String {
        var out = "ayaka-edge tune: route \(report.route), last \(report.since) (\(report.from) .. \(report.to))\n"
        out += "\nrequests per client per aligned window:\n"
        var windows = TextTable(["window", "pairs", "requests", "p50", "p99", "max"])
        for line in report.windows {
            windows.append([line.window, "\(line.pairs)", "\(line.requests)", "\(line.p50)", "\(line.p99)",
                            "\(line.max)"])
        }
        out += windows.render()
        if !report.candidates.isEmpty {
            out += "\ncandidate limits:\n"
            var table = TextTable([
                "limit", "rejected", "rejected_share", "affected_pairs", "affected_share", "worst_hour",
                "worst_hour_rejected",
            ])
            for line in report.candidates {
                let rejected = line.exact ? "\(line.rejectedRequests)"
                    : "~\(line.rejectedRequests)[\(line.rejectedLow)..\(line.rejectedHigh)]"
                table.append([
                    line.limit, rejected, Formatting.percent(line.rejectedRequests, of: line.requests),
                    "\(line.exact ? "" : "~")\(line.affectedPairs)",
                    Formatting.percent(line.affectedPairs, of: line.pairs), line.worstHour ?? "-",
                    "\(line.worstHourRejected)",
                ])
            }
            out += table.render()
        }
        if let share = report.maxAffected {
            out += "\nsuggested (tightest limit touching at most \(percent(share)) of (client, window) pairs):\n"
            var table = TextTable(["window", "limit", "affected_pairs", "affected_share", "rejected"])
            for line in report.suggestions {
                table.append([line.window, line.limit, "\(line.affectedPairs)", percent(line.affectedShare),
                              "\(line.rejectedRequests)"])
            }
            out += table.render()
        }
        out += "\nnote: \(report.note)\n"
        if report.candidates.contains(where: { !$0.exact }) {
            out += "note: ~ marks a limit inside a log-spaced bin (above 64): an estimate, bounds in brackets\n"
        }
        return out
    }

    static func json(_ report: TuneReport) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(report)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// One long table, `section,name,field,value`, like `report`'s CSV.
    static func csv(_ report: TuneReport) -> String {
        var lines = ["section,name,field,value"]
        func add(_ section: String, _ name: String, _ field: String, _ value: String) {
            lines.append([section, name, field, value].map(ReportCSV.quote).joined(separator: ","))
        }
        add("range", "route", "value", report.route)
        add("range", "since", "value", report.since)
        add("range", "from", "value", report.from)
        add("range", "to", "value", report.to)
        for line in report.windows {
            for (field, value) in [("pairs", line.pairs), ("requests", line.requests), ("p50", line.p50),
                                   ("p99", line.p99), ("max", line.max)] {
                add("window", line.window, field, "\(value)")
            }
        }
        for line in report.candidates {
            add("candidate", line.limit, "rejected_requests", "\(line.rejectedRequests)")
            add("candidate", line.limit, "rejected_low", "\(line.rejectedLow)")
            add("candidate", line.limit, "rejected_high", "\(line.rejectedHigh)")
            add("candidate", line.limit, "rejected_share", Formatting.decimal(line.rejectedShare, digits: 6))
            add("candidate", line.limit, "affected_pairs", "\(line.affectedPairs)")
            add("candidate", line.limit, "affected_share", Formatting.decimal(line.affectedShare, digits: 6))
            add("candidate", line.limit, "pairs", "\(line.pairs)")
            add("candidate", line.limit, "exact", line.exact ? "true" : "false")
            add("candidate", line.limit, "worst_hour", line.worstHour ?? "")
            add("candidate", line.limit, "worst_hour_rejected", "\(line.worstHourRejected)")
        }
        for line in report.suggestions {
            add("suggestion", line.window, "limit", line.limit)
            add("suggestion", line.window, "affected_pairs", "\(line.affectedPairs)")
            add("suggestion", line.window, "affected_share", Formatting.decimal(line.affectedShare, digits: 6))
            add("suggestion", line.window, "rejected_requests", "\(line.rejectedRequests)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func percent(_ share: Double) -> String {
        String(format: "%.3g%%", share * 100)
    }
}
