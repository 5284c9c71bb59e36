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
    private let drain: @Sendable (Int64) async -> MetricsSnapshot

    /// - Parameters:
    ///   - interval: `metrics.flush_interval`.
    ///   - drain: drains every shard (each on its own event loop) at the given wall-clock ns and returns
    ///     the merged snapshot.
    public init(
        pipeline: MetricsPipeline, interval: Duration, clock: @escaping MetricsClock = MetricsClocks.wall,
        drain: @escaping @Sendable (Int64) async -> MetricsSnapshot
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
        await flush()
    }

    /// Drains and ingests once.
    public func flush() async {
        await pipeline.ingest(await drain(clock()))
    }
}
