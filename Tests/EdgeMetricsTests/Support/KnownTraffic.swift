import EdgeCore
import EdgeMetrics

/// A fixed traffic scenario recorded into two shards across a minute boundary, with the counts it must
/// produce everywhere (SQLite, /status, /metrics, report).
enum KnownTraffic {
    /// A minute-aligned start: 2027-01-15T08:00:00Z.
    static let t0: Int64 = 1_800_000_000
    static let labels = MetricsLabels(
        routes: ["default", "users.get", "users.create"], upstreams: ["127.0.0.1:7070"],
        shadowRules: [[], ["users.get.strict"], []]
    )
    static let attacker = IPAddress("203.0.113.7")!
    static let other = IPAddress("198.51.100.1")!

    /// Records the scenario, drains both shards at `t0 + 75 s` and returns the merged snapshot.
    static func snapshot() -> MetricsSnapshot {
        let clockA = TestClock(seconds: t0 + 10)
        let clockB = TestClock(seconds: t0 + 20)
        let shardA = MetricsShard(labels: labels, clock: clockA.clock)
        let shardB = MetricsShard(labels: labels, clock: clockB.clock)

        // Shard A, first minute.
        for _ in 0..<10 { request(shardA, route: 1, .get, 200, latency: 3_000_000, upstream: 0) }
        for _ in 0..<3 { request(shardA, route: 2, .post, 429, latency: 100_000, limited: true, client: attacker) }
        request(shardA, route: 0, .get, 404, latency: 1_000_000, upstream: 0)
        for _ in 0..<11 { shardA.recordUpstream(server: 0, latencyNanos: 2_000_000, failure: nil) }
        shardA.gatewayOpened()
        shardA.gatewayOpened()
        for _ in 0..<5 { shardA.gatewayMessage(fromClient: true) }
        for _ in 0..<7 { shardA.gatewayMessage(fromClient: false) }
        shardA.gatewayPingRelayed()

        // Shard A, second minute.
        clockA.set(seconds: t0 + 70)
        request(shardA, route: 1, .get, 502, latency: 50_000_000, dryRun: true, shadow: 0b1, upstream: 0)
        request(shardA, route: 1, .get, 502, latency: 50_000_000, shadow: 0b1, upstream: 0)
        for _ in 0..<2 { shardA.recordUpstream(server: 0, latencyNanos: 50_000_000, failure: .connectFailed) }
        shardA.gatewayClosed(code: 1000)
        shardA.gatewayPingTimeout()
        shardA.gatewayClosed(code: 4009)

        // Shard B, first minute.
        for _ in 0..<5 { request(shardB, route: 1, .get, 200, latency: 3_000_000, upstream: 0) }
        for _ in 0..<2 { request(shardB, route: 2, .post, 429, latency: 100_000, limited: true, client: attacker) }
        request(shardB, route: 2, .post, 429, latency: 100_000, limited: true, client: other)
        for _ in 0..<5 { shardB.recordUpstream(server: 0, latencyNanos: 2_000_000, failure: nil) }
        shardB.gatewayRejected()

        let drainAt = (t0 + 75) * 1_000_000_000
        var merged = shardA.drain(now: drainAt)
        merged.merge(shardB.drain(now: drainAt))
        return merged
    }

    static func request(
        _ shard: MetricsShard, route: Int, _ method: HTTPMethodClass, _ status: Int, latency: Int64,
        limited: Bool = false, dryRun: Bool = false, shadow: UInt64 = 0, client: IPAddress? = nil,
        upstream: Int? = nil
    ) {
        shard.recordRequest(
            route: route, method: method, status: status, bytesIn: status == 429 ? 20 : 0,
            bytesOut: status == 200 ? 100 : 50, latencyNanos: latency, rateLimited: limited,
            dryRunWouldReject: dryRun, shadowWouldReject: shadow, client: client, upstream: upstream
        )
    }

    /// Metrics config pointing at `path`.
    static func config(database path: String) -> EdgeConfig.Metrics {
        var config = EdgeConfig.Metrics()
        config.database = path
        return config
    }
}
