import EdgeCore

/// What shards recorded since their last drain, as per-minute rows keyed by small integer ids.
///
/// Route, upstream and shadow-rule ids are resolved to names with `MetricsLabels` when the pipeline
/// ingests the snapshot. `minute` in every key is the minute's start in whole seconds since the epoch.
/// Snapshots of several shards taken at the same flush are combined with `merge(_:)`.
public struct MetricsSnapshot: Sendable, Equatable {
    /// Wall-clock time (ns since the epoch) of the latest drain merged in; 0 for an empty snapshot.
    public var takenAt: Int64 = 0
    public var requests: [RequestKey: RequestRow] = [:]
    public var upstreams: [UpstreamKey: UpstreamRow] = [:]
    /// Rate-limited requests per (minute, client, route): the top-offender candidates.
    public var limited: [LimitedKey: Int64] = [:]
    public var gateway: [Int64: GatewayRow] = [:]
    public var closeCodes: [CloseCodeKey: Int64] = [:]
    /// Shadow-rule would-reject counts per (minute, route, rule index within the route).
    public var shadow: [ShadowKey: Int64] = [:]

    public init() {}

    public var isEmpty: Bool {
        requests.isEmpty && upstreams.isEmpty && limited.isEmpty && gateway.isEmpty && closeCodes.isEmpty
            && shadow.isEmpty
    }

    /// Number of rows, the unit in which drops are counted.
    public var rowCount: Int {
        requests.count + upstreams.count + limited.count + gateway.count + closeCodes.count + shadow.count
    }

    /// Every minute that has a row.
    public var minutes: Set<Int64> {
        var result = Set(requests.keys.map(\.minute))
        result.formUnion(upstreams.keys.map(\.minute))
        result.formUnion(limited.keys.map(\.minute))
        result.formUnion(gateway.keys)
        result.formUnion(closeCodes.keys.map(\.minute))
        result.formUnion(shadow.keys.map(\.minute))
        return result
    }

    /// Adds `other` in. Counts add up; a gateway row's `peakActive` adds up too, because snapshots merged
    /// at one flush come from different event loops, each with its own connections.
    public mutating func merge(_ other: MetricsSnapshot) {
        takenAt = max(takenAt, other.takenAt)
        for (key, row) in other.requests { requests[key, default: RequestRow()].merge(row) }
        for (key, row) in other.upstreams { upstreams[key, default: UpstreamRow()].merge(row) }
        for (key, count) in other.limited { limited[key, default: 0] += count }
        for (key, row) in other.gateway { gateway[key, default: GatewayRow()].merge(row) }
        for (key, count) in other.closeCodes { closeCodes[key, default: 0] += count }
        for (key, count) in other.shadow { shadow[key, default: 0] += count }
    }
}

/// A request row's identity: minute × route × method class × status class.
public struct RequestKey: Hashable, Sendable {
    public var minute: Int64
    public var route: Int
    public var method: HTTPMethodClass
    /// 1...5 for 1xx...5xx; 0 for anything outside 100...599.
    public var statusClass: Int

    public init(minute: Int64, route: Int, method: HTTPMethodClass, statusClass: Int) {
        self.minute = minute
        self.route = route
        self.method = method
        self.statusClass = statusClass
    }

    /// The status class of a status code: 1...5, or 0 when outside 100...599.
    @inline(__always)
    public static func statusClass(of status: Int) -> Int {
        (100...599).contains(status) ? status / 100 : 0
    }
}

/// Counters of one request row.
public struct RequestRow: Sendable, Equatable {
    public var requests: Int64 = 0
    /// Rejected with 429 by a rate limit.
    public var rateLimited: Int64 = 0
    /// Passed, but a `dry_run` rule would have rejected them.
    public var dryRunWouldReject: Int64 = 0
    public var bytesIn: Int64 = 0
    public var bytesOut: Int64 = 0
    public var latency = LatencyHistogram()

    public init() {}

    public mutating func merge(_ other: RequestRow) {
        requests += other.requests
        rateLimited += other.rateLimited
        dryRunWouldReject += other.dryRunWouldReject
        bytesIn += other.bytesIn
        bytesOut += other.bytesOut
        latency.merge(other.latency)
    }
}

/// An upstream row's identity: minute × upstream server index.
public struct UpstreamKey: Hashable, Sendable {
    public var minute: Int64
    public var server: Int

    public init(minute: Int64, server: Int) {
        self.minute = minute
        self.server = server
    }
}

/// Counters of one upstream row.
public struct UpstreamRow: Sendable, Equatable {
    /// Exchanges attempted with the server (`recordUpstream` calls).
    public var requests: Int64 = 0
    public var connectFailures: Int64 = 0
    public var timeouts: Int64 = 0
    public var broken: Int64 = 0
    /// Responses with status 500...599 to requests this server handled (`recordRequest(upstream:)`).
    public var responses5xx: Int64 = 0
    /// Time from sending the request to the end of the response, or to the failure.
    public var latency = LatencyHistogram()

    public init() {}

    /// Failed exchanges: connect failures, timeouts and broken connections.
    public var failures: Int64 { connectFailures + timeouts + broken }

    public mutating func merge(_ other: UpstreamRow) {
        requests += other.requests
        connectFailures += other.connectFailures
        timeouts += other.timeouts
        broken += other.broken
        responses5xx += other.responses5xx
        latency.merge(other.latency)
    }
}

/// A rate-limited bucket's identity in one minute: client address × route.
public struct LimitedKey: Hashable, Sendable {
    public var minute: Int64
    public var client: IPAddress
    public var route: Int

    public init(minute: Int64, client: IPAddress, route: Int) {
        self.minute = minute
        self.client = client
        self.route = route
    }
}

/// Gateway (WebSocket) counters of one minute.
public struct GatewayRow: Sendable, Equatable {
    public var opened: Int64 = 0
    public var closed: Int64 = 0
    /// Most connections open at once (summed over event loops, so an upper bound with several loops).
    public var peakActive: Int64 = 0
    /// Client → server messages.
    public var messagesIn: Int64 = 0
    /// Server → client messages.
    public var messagesOut: Int64 = 0
    public var pingsRelayed: Int64 = 0
    /// Connections closed with 4009 because no ping came in time.
    public var pingTimeouts: Int64 = 0
    /// Upgrades refused by the per-IP connection cap.
    public var rejected: Int64 = 0

    public init() {}

    public mutating func merge(_ other: GatewayRow) {
        opened += other.opened
        closed += other.closed
        peakActive += other.peakActive
        messagesIn += other.messagesIn
        messagesOut += other.messagesOut
        pingsRelayed += other.pingsRelayed
        pingTimeouts += other.pingTimeouts
        rejected += other.rejected
    }
}

/// A gateway close code's identity in one minute.
public struct CloseCodeKey: Hashable, Sendable {
    public var minute: Int64
    public var code: UInt16

    public init(minute: Int64, code: UInt16) {
        self.minute = minute
        self.code = code
    }
}

/// A shadow rule's identity in one minute: route × the rule's index among that route's shadows.
public struct ShadowKey: Hashable, Sendable {
    public var minute: Int64
    public var route: Int
    public var rule: Int

    public init(minute: Int64, route: Int, rule: Int) {
        self.minute = minute
        self.route = route
        self.rule = rule
    }
}
