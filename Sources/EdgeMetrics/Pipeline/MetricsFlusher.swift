import ServiceLifecycle

/// A `Service` that drains the shards and ingests the merged snapshot every `flush_interval`, and once
/// more when it is told to shut down, so the last partial interval is not lost on SIGTERM.
///
/// Put it in the `ServiceGroup` **before** the proxy's listeners: a group shuts its services down in
/// reverse order, so the listeners drain their in-flight requests first, and the flusher's final flush
/// then sees everything they recorded.
public struct MetricsFlusher: Service {
    private let pipeline: MetricsPipeline
    private let interval: Duration
    private let clock: MetricsClock
    private let drain: @Sendable (_ now: Int64, _ closingAllWindows: Bool) async -> MetricsSnapshot

    /// - Parameters:
    ///   - interval: `metrics.flush_interval`.
    ///   - drain: drains every shard (each on its own event loop) at the given wall-clock ns and returns
    ///     the merged snapshot; with `closingAllWindows` (the last flush), every tuning window's count too.
    public init(
        pipeline: MetricsPipeline, interval: Duration, clock: @escaping MetricsClock = MetricsClocks.wall,
        drain: @escaping @Sendable (_ now: Int64, _ closingAllWindows: Bool) async -> MetricsSnapshot
    ) {
        self.pipeline = pipeline
        self.interval = interval
        self.clock = clock
        self.drain = drain
    }

    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                break
            }
            await flush()
        }
        await flush(closingAllWindows: true)
    }

    /// Drains and ingests once; `closingAllWindows` on the last flush bins the tuning windows still open.
    public func flush(closingAllWindows: Bool = false) async {
        await pipeline.ingest(await drain(clock(), closingAllWindows), closingAllWindows: closingAllWindows)
    }
}
