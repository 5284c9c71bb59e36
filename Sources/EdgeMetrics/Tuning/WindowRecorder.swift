import EdgeCore

/// Per-event-loop counter of requests per client per aligned window, for every rule and every
/// `metrics.tuning_windows` length: the raw material of `ayaka-edge tune`.
///
/// Like `MetricsShard`: one per event loop, used only on that loop (not `Sendable`, no lock), nothing
/// allocated per request once warmed up. The proxy calls `record(route:client:now:)` once per REST request
/// that reaches the rate limiter (allowed or not: a limit acts on the requests that arrive), and the
/// flusher calls `drain(closedBy:)` on the same loop and puts the result in `MetricsSnapshot.windows`.
///
/// Memory is bounded by `capacity` (client, rule) entries (each request touches two: its route's rule and
/// the global rule); past it the least recently used entry is recycled. That loses no count (see
/// `WindowTable`), it is counted in `evictions`.
public final class WindowRecorder {
    /// The rule id of the global per-IP rule (stored as route `GLOBAL`).
    public static let globalRule = -1

    /// Window lengths in ns, as configured.
    public let lengths: [Int64]
    private let table: UnsafeMutablePointer<WindowTable>

    /// - Parameters:
    ///   - windows: the window lengths (`metrics.tuning_windows`); an empty list records nothing.
    ///   - capacity: most (client, rule) entries kept on this loop.
    public init(windows: [ConfigDuration], capacity: Int) {
        lengths = windows.map(\.nanoseconds).filter { $0 > 0 }
        table = UnsafeMutablePointer<WindowTable>.allocate(capacity: 1)
        table.initialize(to: WindowTable(lengths: lengths, capacity: capacity))
    }

    /// A recorder for one of `eventLoops` loops: windows from `metrics.tuning_windows`, capacity
    /// `rate_limits.max_buckets` shared among the loops (at least 1,024 each).
    public convenience init(config: EdgeConfig, eventLoops: Int) {
        self.init(
            windows: config.metrics.tuningWindows,
            capacity: max(1_024, config.rateLimits.maxBuckets / max(1, eventLoops))
        )
    }

    deinit {
        table.deinitialize(count: 1)
        table.deallocate()
    }

    /// Counts one request of `client` on route `route` (`RouteMatch.index`: 0 = `default`) at `now` (ns since
    /// the epoch; the limiter's clock), under both the route's rule and the global rule.
    @inline(__always)
    public func record(route: Int, client: IPAddress, now: Int64) {
        guard !lengths.isEmpty else { return }
        table.pointee.record(BucketKey(client: client, rule: UInt32(truncatingIfNeeded: route)), now: now)
        table.pointee.record(
            BucketKey(client: client, rule: UInt32(bitPattern: Int32(Self.globalRule))), now: now)
    }

    /// Counts one request under a single rule id (a route index or `globalRule`).
    @inline(__always)
    public func record(rule: Int, client: IPAddress, now: Int64) {
        guard !lengths.isEmpty else { return }
        table.pointee.record(BucketKey(client: client, rule: UInt32(bitPattern: Int32(truncatingIfNeeded: rule))),
                             now: now)
    }

    /// Hands out the counts of the windows that ended by `now` (ns, the recording clock) as partials, and
    /// starts afresh; windows still open keep counting. `nil` (the last flush) hands out every count.
    public func drain(closedBy now: Int64? = nil) -> WindowSnapshot {
        table.pointee.drain(closedBy: now)
    }

    /// (client, rule) entries held now.
    public var liveEntries: Int { table.pointee.liveCount }
}
