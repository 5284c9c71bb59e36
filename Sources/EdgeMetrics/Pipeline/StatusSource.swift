/// Everything the admin server reads live: connection gauges, the pipeline's figures, the config state.
public struct StatusSource: Sendable {
    public var gauges: ConnectionGauges
    public var pipeline: MetricsPipeline
    public var config: ConfigState
    /// The proxy's version, shown on `/status` and as a Prometheus label.
    public var version: String
    /// Wall-clock ns since the epoch when the proxy started.
    public var startedAt: Int64
    public var clock: MetricsClock
    /// More rows appended to `/status` (the proxy's upstream health table).
    public var supplement: @Sendable () -> String
    /// More Prometheus families appended to `/metrics` (the proxy's PROXY protocol and TLS counters).
    public var metricsSupplement: @Sendable () -> String

    public init(
        gauges: ConnectionGauges, pipeline: MetricsPipeline, config: ConfigState, version: String,
        startedAt: Int64, clock: @escaping MetricsClock = MetricsClocks.wall,
        supplement: @escaping @Sendable () -> String = { "" },
        metricsSupplement: @escaping @Sendable () -> String = { "" }
    ) {
        self.supplement = supplement
        self.metricsSupplement = metricsSupplement
        self.gauges = gauges
        self.pipeline = pipeline
        self.config = config
        self.version = version
        self.startedAt = startedAt
        self.clock = clock
    }
}
