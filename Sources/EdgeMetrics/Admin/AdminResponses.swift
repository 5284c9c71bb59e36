import Hummingbird

/// Builds `/status`, `/metrics` and `/dashboard` bodies from a `StatusSource` (no HTTP here, so tests
/// can call it directly too).
public struct AdminResponses: Sendable {
    public let source: StatusSource

    public init(source: StatusSource) {
        self.source = source
    }

    /// A supplement block, separated from the tables above by a blank line.
    private static func section(_ text: String) -> String {
        text.isEmpty ? "" : "\n" + text
    }

    /// The `/status` text.
    public func statusText() async -> String {
        let figures = await source.pipeline.figures()
        return StatusText.render(
            live: source.gauges.read(), figures: figures, version: source.version,
            generation: source.config.generation, configLoadedAt: source.config.loadedAt,
            startedAt: source.startedAt, now: source.clock(), reloadError: source.config.lastReloadError
        ) + Self.section(source.supplement())
    }

    /// The `/metrics` text (Prometheus exposition format 0.0.4).
    public func metricsText() async -> String {
        let figures = await source.pipeline.figures()
        return source.pipeline.exporter.render(
            live: source.gauges.read(), databaseUp: figures.databaseUp, dropped: figures.droppedSnapshots,
            generation: source.config.generation,
            uptimeSeconds: Double(max(0, source.clock() - source.startedAt)) / 1e9
        ) + source.metricsSupplement()
    }

    /// The `/dashboard` page.
    public func dashboardHTML() async -> String {
        let figures = await source.pipeline.figures()
        let now = source.clock() / 1_000_000_000
        let windows = DashboardPage.windows(now: now)
        var notice: String?
        var data = windows.map { DashboardData(window: $0) }
        var tuning = ""
        if let reader = await source.pipeline.reader() {
            do {
                let limits = figures.labels.limits
                (data, tuning) = try await reader.read { db in
                    (try windows.map { try DashboardData(window: $0, db: db) },
                     try TuningPanel(now: now, db: db).render(limits: limits))
                }
            } catch {
                notice = "Could not read the metrics database: \(MetricsDatabase.shortReason(error))"
            }
        } else {
            notice = figures.databasePath == nil
                ? "Metrics storage is disabled (metrics.enabled: false): no history to chart."
                : "Metrics database unavailable: \(figures.databaseStatus)"
        }
        let totals = figures.totals
        let header: [(String, String)] = [
            ("version", source.version),
            ("uptime", "\(max(0, source.clock() - source.startedAt) / 1_000_000_000) s"),
            ("requests", "\(totals.requests)"),
            ("rate limited", "\(totals.rateLimited)"),
            ("gateway open", "\(source.gauges.read().gatewayActive)"),
            ("metrics db", figures.databaseStatus),
            ("generated", Formatting.timestamp(seconds: now)),
        ]
        return DashboardPage.render(data: data, header: header, notice: notice, tuning: tuning)
    }

    func response(_ text: String, contentType: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: contentType, .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text))
        )
    }
}
