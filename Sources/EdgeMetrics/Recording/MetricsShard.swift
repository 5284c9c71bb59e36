import EdgeCore

/// Per-event-loop recorder: the proxy calls it for every request, upstream exchange and gateway event.
///
/// Not `Sendable`: one shard per event loop, touched only on that loop, so recording takes no lock. In
/// steady state it allocates nothing either (see `ShardTables`), and each call is one read of the
/// clock plus one mutation of the tables. `drain(now:)` (also on the loop, once per flush) turns what
/// was recorded into a `MetricsSnapshot` and resets the tables in place.
///
/// Each event is put in the minute the clock shows when it is recorded, so a shard whose interval
/// straddles a minute boundary hands out rows for both minutes.
public final class MetricsShard {
    /// Most distinct (client, route) pairs kept per minute. When full, the pair with the smallest count
    /// is replaced and the newcomer inherits that count + 1 ("space saving"): heavy hitters stay exact
    /// enough to rank, and memory stays bounded under a flood of addresses.
    public static var offenderCapacity: Int { ShardTables.offenderCapacity }

    private let clock: MetricsClock
    /// The tables live behind a pointer the shard owns: one shard is only ever used on its own loop, and
    /// a pointer spares each event the runtime exclusivity check a `var` property of a class costs.
    private let tables: UnsafeMutablePointer<ShardTables>

    /// - Parameters:
    ///   - labels: sizes the tables (route and upstream counts); names are not used here.
    ///   - clock: wall clock in ns since the epoch; decides each event's minute.
    public init(labels: MetricsLabels, clock: @escaping MetricsClock = MetricsClocks.wall) {
        self.clock = clock
        tables = UnsafeMutablePointer<ShardTables>.allocate(capacity: 1)
        tables.initialize(to: ShardTables(labels: labels, now: clock()))
    }

    deinit {
        tables.deinitialize(count: 1)
        tables.deallocate()
    }

    /// Records one finished REST request (served, rejected or failed).
    ///
    /// - Parameters:
    ///   - route: the route id (0 = `default`); `method`: the method class; `status`: the status sent.
    ///   - bytesIn, bytesOut: request and response body bytes.
    ///   - latencyNanos: from the request head's arrival to the end of the response.
    ///   - rateLimited: rejected with 429 by a limit; `client` is given then (top offenders).
    ///   - dryRunWouldReject: a `dry_run` rule would have rejected it.
    ///   - shadowWouldReject: bit `i` set when the route's shadow rule `i` would have rejected it.
    ///   - upstream: the server id when one was used.
    @inline(__always)
    public func recordRequest(
        route: Int, method: HTTPMethodClass, status: Int, bytesIn: Int, bytesOut: Int, latencyNanos: Int64,
        rateLimited: Bool, dryRunWouldReject: Bool, shadowWouldReject: UInt64, client: IPAddress?, upstream: Int?
    ) {
        tables.pointee.recordRequest(
            now: clock(), route: route, method: method, status: status, bytesIn: bytesIn, bytesOut: bytesOut,
            latencyNanos: latencyNanos, rateLimited: rateLimited, dryRunWouldReject: dryRunWouldReject,
            shadowWouldReject: shadowWouldReject, client: client, upstream: upstream
        )
    }

    /// Records one exchange with upstream server `server`: its latency, and how it failed if it did.
    @inline(__always)
    public func recordUpstream(server: Int, latencyNanos: Int64, failure: UpstreamFailure?) {
        tables.pointee.recordUpstream(now: clock(), server: server, latencyNanos: latencyNanos, failure: failure)
    }

    /// A WebSocket connection was relayed (upgrade accepted on both sides).
    public func gatewayOpened() {
        tables.pointee.gatewayOpened(now: clock())
    }

    /// A relayed WebSocket connection ended with close code `code` (1006 when no close frame was seen).
    public func gatewayClosed(code: UInt16) {
        tables.pointee.gatewayClosed(now: clock(), code: code)
    }

    /// One data message relayed: `fromClient` true for client → server, false for server → client.
    @inline(__always)
    public func gatewayMessage(fromClient: Bool) {
        tables.pointee.gatewayMessage(now: clock(), fromClient: fromClient)
    }

    /// A client ping was relayed upstream.
    public func gatewayPingRelayed() {
        tables.pointee.gatewayPingRelayed(now: clock())
    }

    /// A connection was closed with 4009 because the client sent no ping in time.
    public func gatewayPingTimeout() {
        tables.pointee.gatewayPingTimeout(now: clock())
    }

    /// An upgrade was refused by the per-IP connection cap.
    public func gatewayRejected() {
        tables.pointee.gatewayRejected(now: clock())
    }

    /// Returns everything recorded since the last drain, per minute, and starts afresh.
    ///
    /// - Parameter now: wall-clock time in ns since the epoch; stamped on the snapshot as `takenAt`.
    public func drain(now: Int64) -> MetricsSnapshot {
        tables.pointee.drain(now: now)
    }
}
