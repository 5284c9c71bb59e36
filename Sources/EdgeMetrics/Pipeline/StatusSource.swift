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

    public init(
        gauges: ConnectionGauges, pipeline: MetricsPipeline, config: ConfigState, version: String,
        startedAt: Int64, clock: @escaping MetricsClock = MetricsClocks.wall
    ) {
        self.gauges = gauges
        self.pipeline = pipeline
        self.config = config
        self.version = version
        self.startedAt = startedAt
        self.clock = clock
    }
}
