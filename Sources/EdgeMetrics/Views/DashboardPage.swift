/// The `/dashboard` page: one self-contained XHTML document (valid XML too) with server-rendered SVG
/// charts of the last hour (1-minute points) and the last day (10-minute points): requests/s by status
/// class, 429/s, p99 latency and gateway connections. It refreshes itself every 10 s and loads nothing
/// from anywhere: no script, font or stylesheet.
enum DashboardPage {
    static let refreshSeconds = 10

    /// The chart windows shown, in order.
    static func windows(now: Int64) -> [DashboardData.Window] {
        [
            .init(title: "Last hour", step: 60, points: 60, now: now),
            .init(title: "Last day", step: 600, points: 144, now: now),
        ]
    }

    static func render(data: [DashboardData], header: [(String, String)], notice: String?) -> String {
        var body = ""
        for section in data {
            let window = section.window
            let start = window.start
            let end = window.time(at: window.points - 1)
            body += "<h2>\(HTML.escape(window.title))</h2>\n<div class=\"charts\">\n"
            let charts = [
                SVGChart(title: "Requests per second by status class", unit: "requests/s", series: [
                    .init(name: "2xx", color: "#2e7d32", values: section.requestsPerSecond[2]),
                    .init(name: "3xx", color: "#1565c0", values: section.requestsPerSecond[3]),
                    .init(name: "4xx", color: "#ef6c00", values: section.requestsPerSecond[4]),
                    .init(name: "5xx", color: "#c62828", values: section.requestsPerSecond[5]),
                ], startTime: start, endTime: end),
                SVGChart(title: "Rate-limited (429) per second", unit: "429/s", series: [
                    .init(name: "429", color: "#ad1457", values: section.limitedPerSecond),
                ], startTime: start, endTime: end),
                SVGChart(title: "p99 latency", unit: "ms", series: [
                    .init(name: "p99", color: "#6a1b9a", values: section.p99Milliseconds),
                ], startTime: start, endTime: end),
                SVGChart(title: "Gateway connections", unit: "connections", series: [
                    .init(name: "peak open", color: "#00838f", values: section.gatewayPeak),
                    .init(name: "opened/min", color: "#9e9d24", values: section.gatewayOpenedPerMinute),
                ], startTime: start, endTime: end),
            ]
            for chart in charts {
                body += "<figure><figcaption>\(HTML.escape(chart.title))</figcaption>\n\(chart.render())\n</figure>\n"
            }
            body += "</div>\n"
        }
        let facts = header.map { "<dt>\(HTML.escape($0.0))</dt><dd>\(HTML.escape($0.1))</dd>" }.joined()
        let noticeHTML = notice.map { "<p class=\"notice\">\(HTML.escape($0))</p>\n" } ?? ""
        return """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta http-equiv="refresh" content="\(refreshSeconds)"/>
            <title>ayaka-edge dashboard</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 1.5em; color: #212121; background: #fafafa; }
            h1 { font-size: 1.4em; margin: 0 0 0.4em 0; } h2 { font-size: 1.1em; margin: 1.2em 0 0.4em 0; }
            dl { display: flex; flex-wrap: wrap; gap: 0.3em 1.2em; margin: 0; }
            dt { font-weight: 600; } dd { margin: 0 0 0 0.3em; }
            .charts { display: flex; flex-wrap: wrap; gap: 1em; }
            figure { margin: 0; background: #fff; border: 1px solid #e0e0e0; padding: 0.5em; }
            figcaption { font-size: 0.9em; font-weight: 600; margin-bottom: 0.3em; }
            .plot { fill: #fff; stroke: #bdbdbd; } .grid { stroke: #eeeeee; }
            .axis, .legend { font-size: 11px; fill: #616161; }
            .notice { background: #fff3e0; border: 1px solid #ffb74d; padding: 0.5em; }
            </style>
            </head>
            <body>
            <h1>ayaka-edge</h1>
            <dl>\(facts)</dl>
            \(noticeHTML)\(body)</body>
            </html>

            """
    }
}
