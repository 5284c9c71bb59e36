import GRDB

/// The dashboard's tuning panel: per rule, its current limit, the observed requests per client per window
/// (p50/p99/max over the last day, and p99 per hour as a chart, one series per window length), and each
/// shadow rule's would-reject per hour beside the route's 429s. Read from SQLite, rendered as XHTML + SVG.
struct TuningPanel: Sendable {
    static let hours = 24

    struct Rule: Sendable {
        var name: String
        /// Window seconds → histogram over the whole day, and per hour point.
        var windows: [Int64: (total: CountHistogram, perHour: [CountHistogram])] = [:]
        /// Shadow rule name → would-reject per hour point.
        var shadows: [String: [Double]] = [:]
        /// The route's 429s per hour point.
        var limited: [Double] = []
    }

    var start: Int64
    var rules: [Rule]

    /// The last `hours` hours ending with the one holding `now` (seconds).
    init(now: Int64, db: Database) throws {
        let start = TuneQuery.hourStart(now) - Int64(Self.hours - 1) * 3_600
        let end = start + Int64(Self.hours) * 3_600
        self.start = start
        var byName: [String: Rule] = [:]
        func point(_ second: Int64) -> Int? {
            second >= start && second < end ? Int((second - start) / 3_600) : nil
        }
        let zeros = Array(repeating: 0.0, count: Self.hours)
        let empty = Array(repeating: CountHistogram(), count: Self.hours)
        let rows = try Row.fetchCursor(db, sql: """
            SELECT route, window_seconds, hour, bin_low, pairs, requests FROM window_histograms
            WHERE hour >= ? AND hour < ?
            """, arguments: [start, end])
        while let row = try rows.next() {
            guard let index = point(row[2]) else { continue }
            let name: String = row[0], window: Int64 = row[1]
            var rule = byName[name] ?? Rule(name: name, limited: zeros)
            var entry = rule.windows[window] ?? (CountHistogram(), empty)
            let bin = CountBins.bin(of: row[3])
            entry.total.add(bin: bin, pairs: row[4], requests: row[5])
            entry.perHour[index].add(bin: bin, pairs: row[4], requests: row[5])
            rule.windows[window] = entry
            byName[name] = rule
        }
        let peaks = try Row.fetchCursor(db, sql: """
            SELECT route, window_seconds, hour, max_count FROM window_peaks WHERE hour >= ? AND hour < ?
            """, arguments: [start, end])
        while let row = try peaks.next() {
            guard let index = point(row[2]), var entry = byName[row[0]]?.windows[row[1]] else { continue }
            let peak: Int64 = row[3]
            entry.total.maxCount = max(entry.total.maxCount, peak)
            entry.perHour[index].maxCount = max(entry.perHour[index].maxCount, peak)
            byName[row[0]]?.windows[row[1]] = entry
        }
        let shadows = try Row.fetchCursor(db, sql: """
            SELECT route, rule, minute, would_reject FROM shadow_minutes WHERE minute >= ? AND minute < ?
            """, arguments: [start, end])
        while let row = try shadows.next() {
            guard let index = point(row[2]) else { continue }
            let name: String = row[0]
            var rule = byName[name] ?? Rule(name: name, limited: zeros)
            rule.shadows[row[1], default: zeros][index] += Double(row[3] as Int64)
            byName[name] = rule
        }
        let limited = try Row.fetchCursor(db, sql: """
            SELECT route, minute, SUM(rate_limited) FROM request_minutes WHERE minute >= ? AND minute < ?
            GROUP BY route, minute
            """, arguments: [start, end])
        while let row = try limited.next() {
            guard let index = point(row[1]), byName[row[0]] != nil else { continue }
            byName[row[0]]?.limited[index] += Double(row[2] as Int64)
        }
        rules = byName.values.sorted { $0.name < $1.name }
    }

    static let colors = ["#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#9e9d24", "#4e342e"]

    /// The panel's XHTML; `limits` are the rules' current limits (`MetricsLabels.limits`).
    func render(limits: [String: String]) -> String {
        var out = "<h2>Tuning: requests per client per aligned window (last \(Self.hours) h)</h2>\n"
        guard !rules.isEmpty else {
            return out + "<p>No tuning histograms recorded yet (metrics.tuning_windows).</p>\n"
        }
        let endTime = start + Int64(Self.hours - 1) * 3_600
        for rule in rules {
            let limit = limits[rule.name] ?? "-"
            out += "<h3>\(HTML.escape(rule.name)) (limit \(HTML.escape(limit)))</h3>\n"
            out += "<table class=\"tuning\"><tr><th>window</th><th>pairs</th><th>p50</th><th>p99</th><th>max</th></tr>"
            for (window, entry) in rule.windows.sorted(by: { $0.key < $1.key }) {
                out += "<tr><td>\(WindowText.text(seconds: window))</td><td>\(entry.total.totalPairs)</td>"
                    + "<td>\(entry.total.quantile(0.5))</td><td>\(entry.total.quantile(0.99))</td>"
                    + "<td>\(entry.total.maxCount)</td></tr>"
            }
            out += "</table>\n<div class=\"charts\">\n"
            let series = rule.windows.sorted { $0.key < $1.key }.enumerated().map { index, item in
                SVGChart.Series(name: "p99/\(WindowText.text(seconds: item.key))",
                                color: Self.colors[index % Self.colors.count],
                                values: item.value.perHour.map { Double($0.quantile(0.99)) })
            }
            if !series.isEmpty {
                let chart = SVGChart(title: "\(rule.name): p99 requests per client per window", unit: "requests",
                                     series: series, startTime: start, endTime: endTime)
                out += "<figure><figcaption>\(HTML.escape(chart.title))</figcaption>\n\(chart.render())\n</figure>\n"
            }
            if !rule.shadows.isEmpty {
                var lines = [SVGChart.Series(name: "enforced 429 (\(limit))", color: "#c62828", values: rule.limited)]
                for (index, (name, values)) in rule.shadows.sorted(by: { $0.key < $1.key }).enumerated() {
                    let shadowLimit = limits["\(rule.name)/\(name)"] ?? "-"
                    lines.append(.init(name: "\(name) (\(shadowLimit))",
                                       color: Self.colors[index % Self.colors.count], values: values))
                }
                let chart = SVGChart(title: "\(rule.name): shadow would-reject vs enforced 429 per hour",
                                     unit: "requests/h", series: lines, startTime: start, endTime: endTime)
                out += "<figure><figcaption>\(HTML.escape(chart.title))</figcaption>\n\(chart.render())\n</figure>\n"
            }
            out += "</div>\n"
        }
        return out
    }
}
