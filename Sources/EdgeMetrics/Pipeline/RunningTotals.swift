/// Totals since the proxy started, kept in memory for `/status` (they do not depend on the database).
public struct RunningTotals: Sendable, Equatable {
    /// Most distinct (client, route) pairs remembered for "top limited buckets"; past it the smallest
    /// half is forgotten.
    static let limitedCapacity = 1_000

    public var requests: Int64 = 0
    public var rateLimited: Int64 = 0
    public var dryRunWouldReject: Int64 = 0
    public var bytesIn: Int64 = 0
    public var bytesOut: Int64 = 0
    public var routes: [String: RouteTotals] = [:]
    public var upstreams: [String: UpstreamTotals] = [:]
    public var gateway = GatewayTotals()
    public var limited: [LimitedBucket: Int64] = [:]
    /// Would-reject counts per shadow rule, keyed `route/rule`.
    public var shadow: [String: Int64] = [:]
    /// (ingest time ns, requests in that snapshot) for the last minute, for `requests_per_second`.
    var recent: [(at: Int64, requests: Int64)] = []

    public init() {}

    public static func == (lhs: RunningTotals, rhs: RunningTotals) -> Bool {
        lhs.requests == rhs.requests && lhs.routes == rhs.routes && lhs.upstreams == rhs.upstreams
            && lhs.gateway == rhs.gateway && lhs.limited == rhs.limited && lhs.shadow == rhs.shadow
    }

    /// Per-route totals.
    public struct RouteTotals: Sendable, Equatable {
        public var requests: Int64 = 0
        /// Index 0: status outside 100...599; 1...5: 1xx...5xx.
        public var byStatusClass: [Int64] = Array(repeating: 0, count: 6)
        public var rateLimited: Int64 = 0
        public var dryRunWouldReject: Int64 = 0
        public var bytesIn: Int64 = 0
        public var bytesOut: Int64 = 0
        public var latency = LatencyHistogram()
    }

    /// Per-upstream-server totals.
    public struct UpstreamTotals: Sendable, Equatable {
        public var row = UpstreamRow()
    }

    /// Gateway totals; `peakActive` is the highest per-minute peak seen.
    public struct GatewayTotals: Sendable, Equatable {
        public var row = GatewayRow()
        public var closeCodes: [UInt16: Int64] = [:]
    }

    /// A rate-limit bucket as shown in "top limited": the client and the route.
    public struct LimitedBucket: Hashable, Sendable {
        public var client: String
        public var route: String
    }

    mutating func apply(_ snapshot: MetricsSnapshot, labels: MetricsLabels, now: Int64) {
        var snapshotRequests: Int64 = 0
        for (key, row) in snapshot.requests {
            snapshotRequests += row.requests
            rateLimited += row.rateLimited
            dryRunWouldReject += row.dryRunWouldReject
            bytesIn += row.bytesIn
            bytesOut += row.bytesOut
            var route = routes[labels.route(key.route), default: RouteTotals()]
            route.requests += row.requests
            route.byStatusClass[key.statusClass] += row.requests
            route.rateLimited += row.rateLimited
            route.dryRunWouldReject += row.dryRunWouldReject
            route.bytesIn += row.bytesIn
            route.bytesOut += row.bytesOut
            route.latency.merge(row.latency)
            routes[labels.route(key.route)] = route
        }
        requests += snapshotRequests
        for (key, row) in snapshot.upstreams {
            upstreams[labels.upstream(key.server), default: UpstreamTotals()].row.merge(row)
        }
        for (_, row) in snapshot.gateway.sorted(by: { $0.key < $1.key }) {
            let peak = max(gateway.row.peakActive, row.peakActive)
            gateway.row.merge(row)
            gateway.row.peakActive = peak
        }
        for (key, count) in snapshot.closeCodes { gateway.closeCodes[key.code, default: 0] += count }
        for (key, count) in snapshot.limited {
            limited[LimitedBucket(client: key.client.description, route: labels.route(key.route)), default: 0] += count
        }
        if limited.count > Self.limitedCapacity {
            let kept = limited.sorted { $0.value > $1.value }.prefix(Self.limitedCapacity / 2)
            limited = Dictionary(uniqueKeysWithValues: kept.map { ($0.key, $0.value) })
        }
        for (key, count) in snapshot.shadow {
            shadow["\(labels.route(key.route))/\(labels.shadowRule(route: key.route, rule: key.rule))", default: 0]
                += count
        }
        recent.append((now, snapshotRequests))
        recent.removeAll { $0.at <= now - 60_000_000_000 }
    }

    /// Requests per second over the last 60 s of ingested snapshots (the sum over the window ÷ 60).
    public func requestsPerSecond(now: Int64) -> Double {
        let total = recent.filter { $0.at > now - 60_000_000_000 }.reduce(Int64(0)) { $0 + $1.requests }
        return Double(total) / 60
    }

    /// The `limit` buckets with the most rejections, most first (ties by client, then route).
    public func topLimited(_ limit: Int) -> [(bucket: LimitedBucket, rejected: Int64)] {
        limited.sorted {
            if $0.value != $1.value { return $0.value > $1.value }
            if $0.key.client != $1.key.client { return $0.key.client < $1.key.client }
            return $0.key.route < $1.key.route
        }.prefix(limit).map { ($0.key, $0.value) }
    }
}
