import EdgeCore
import EdgeMetrics
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// What the proxy records and what reads it: one metrics shard per event loop (written without locks by
/// the connections of that loop), the live connection gauges (atomics), and the pipeline that merges the
/// shards into SQLite, Prometheus and the `/status` totals.
///
/// The executable builds one and hands it to `EdgeProxyService` (which records), a `MetricsFlusher` (which
/// calls `drainShards`) and the `AdminServer` (which reads `statusSource`).
public final class ProxyTelemetry: Sendable {
    public let gauges = ConnectionGauges()
    /// Each loop's share of the gauges (`ConnectionGauges.stripe`), bumped only by that loop's connections.
    let counters: EventLoopLocal<ConnectionGauges.Counters>
    public let pipeline: MetricsPipeline
    public let configState: ConfigState
    public let startedAt: Int64
    let shards: EventLoopLocal<MetricsShard>
    /// Requests per client per aligned window, for `ayaka-edge tune`; one recorder per loop like the shards.
    /// `nil` with `metrics.tuning_windows: []`: the handlers then get no recorder and skip the call per request.
    let windows: EventLoopLocal<WindowRecorder>?
    /// Extra `/status` rows from the proxy (listener counters, upstream health), rendered at each request of
    /// the page.
    private let supplement = StatusSupplement()
    /// Extra `/metrics` families from the proxy (PROXY protocol and TLS counters).
    private let metricsSupplement = StatusSupplement()

    public init(config: EdgeConfig, version: String, logger: Logger,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        let labels = MetricsLabels(config: config)
        shards = EventLoopLocal(group: group) { _ in MetricsShard(labels: labels) }
        let gauges = self.gauges
        counters = EventLoopLocal(group: group) { _ in gauges.stripe() }
        let loops = Array(group.makeIterator()).count
        windows = config.metrics.tuningWindows.isEmpty
            ? nil : EventLoopLocal(group: group) { _ in WindowRecorder(config: config, eventLoops: loops) }
        pipeline = MetricsPipeline(labels: labels, config: config.metrics, version: version, logger: logger)
        startedAt = MetricsClocks.wall()
        configState = ConfigState(generation: 1, loadedAt: startedAt)
    }

    /// Drains every shard on its own event loop and merges the results: the tuning windows that ended by
    /// `now`, or all of them with `closingAllWindows` (the last flush).
    public func drainShards(now: Int64, closingAllWindows: Bool = false) async -> MetricsSnapshot {
        let snapshots = await shards.collect { $0.drain(now: now) }
        let closedBy: Int64? = closingAllWindows ? nil : now
        let windowSnapshots = await windows?.collect { $0.drain(closedBy: closedBy) } ?? []
        var merged = MetricsSnapshot()
        for snapshot in snapshots { merged.merge(snapshot) }
        for snapshot in windowSnapshots { merged.windows.merge(snapshot) }
        return merged
    }

    public func statusSource(version: String) -> StatusSource {
        let supplement = self.supplement
        let metricsSupplement = self.metricsSupplement
        return StatusSource(
            gauges: gauges, pipeline: pipeline, config: configState, version: version, startedAt: startedAt,
            supplement: { supplement.render() }, metricsSupplement: { metricsSupplement.render() }
        )
    }

    func setStatusSupplement(_ render: @escaping @Sendable () -> String) {
        supplement.set(render)
    }

    func setMetricsSupplement(_ render: @escaping @Sendable () -> String) {
        metricsSupplement.set(render)
    }
}

/// The proxy's own `/status` rows (or `/metrics` families), set once the listeners run.
final class StatusSupplement: Sendable {
    private let renderer = Mutex<@Sendable () -> String>({ "" })

    func set(_ render: @escaping @Sendable () -> String) {
        renderer.withLock { $0 = render }
    }

    func render() -> String {
        renderer.withLock { $0 }()
    }
}
