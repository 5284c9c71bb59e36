import EdgeCore

/// Per-event-loop recorder: the proxy calls it for every request, upstream exchange and gateway event.
///
/// Not `Sendable`: one shard per event loop, touched only on that loop, so recording takes no lock. In
/// steady state it allocates nothing either: counters live in flat `[Int64]` tables sized at init (rows
/// keyed by route × method class × status class), the offender and close-code tables are pre-sized
/// dictionaries, and no `String` is built. A route or upstream id beyond the sizes the labels gave grows
/// a table once. `drain(now:)` (also on the loop, once per flush) turns what was recorded into a
/// `MetricsSnapshot` and resets the tables in place.
///
/// Each event is put in the minute the clock shows when it is recorded. When the minute changes between
/// drains, the finished minute's rows move to the pending snapshot (one allocation per minute).
public final class MetricsShard {
    /// Most distinct (client, route) pairs kept per minute. When full, the pair with the smallest count
    /// is replaced and the newcomer inherits that count + 1 ("space saving"): heavy hitters stay exact
    /// enough to rank, and memory stays bounded under a flood of addresses.
    public static let offenderCapacity = 128
    static let closeCodeCapacity = 32
    static let methodCount = HTTPMethodClass.allCases.count
    static let statusClassCount = 6
    static let shadowStride = 64

    // Request table fields (stride `requestStride`).
    static let fRequests = 0, fLimited = 1, fDryRun = 2, fBytesIn = 3, fBytesOut = 4, fLatSum = 5, fLatMax = 6
    static let requestStride = 7 + LatencyBuckets.count
    // Upstream table fields (stride `upstreamStride`).
    static let uRequests = 0, uConnect = 1, uTimeout = 2, uBroken = 3, u5xx = 4, uLatSum = 5, uLatMax = 6
    static let upstreamStride = 7 + LatencyBuckets.count

    private let clock: MetricsClock
    private var minute: Int64

    private var routeCapacity: Int
    private var requestTable: [Int64]
    private var touchedRequests: [Int]

    private var upstreamCapacity: Int
    private var upstreamTable: [Int64]
    private var upstreamTouched: [Bool]
    private var touchedUpstreams: [Int]

    private var shadowTable: [Int64]
    private var touchedShadows: [Int]

    private var offenders: [LimitedKey: Int64]
    private var gateway = GatewayRow()
    private var gatewayTouched = false
    private var gatewayActive: Int64 = 0
    private var closeCodes: [UInt16: Int64]

    private var pending = MetricsSnapshot()

    /// - Parameters:
    ///   - labels: sizes the tables (route and upstream counts); names are not used here.
    ///   - clock: wall clock in ns since the epoch; decides each event's minute.
    public init(labels: MetricsLabels, clock: @escaping MetricsClock = MetricsClocks.wall) {
        self.clock = clock
        self.minute = MetricsClocks.minuteStart(ofNanos: clock())
        routeCapacity = max(1, labels.routes.count)
        let requestRows = routeCapacity * Self.methodCount * Self.statusClassCount
        requestTable = Array(repeating: 0, count: requestRows * Self.requestStride)
        touchedRequests = []
        touchedRequests.reserveCapacity(requestRows)
        upstreamCapacity = max(1, labels.upstreams.count)
        upstreamTable = Array(repeating: 0, count: upstreamCapacity * Self.upstreamStride)
        upstreamTouched = Array(repeating: false, count: upstreamCapacity)
        touchedUpstreams = []
        touchedUpstreams.reserveCapacity(upstreamCapacity)
        shadowTable = Array(repeating: 0, count: routeCapacity * Self.shadowStride)
        touchedShadows = []
        touchedShadows.reserveCapacity(routeCapacity * Self.shadowStride)
        offenders = [:]
        offenders.reserveCapacity(Self.offenderCapacity)
        closeCodes = [:]
        closeCodes.reserveCapacity(Self.closeCodeCapacity)
    }

    // MARK: Requests

    /// Records one finished REST request (served, rejected or failed).
    ///
    /// - Parameters:
    ///   - route: the route id (0 = `default`); `method`: the method class; `status`: the status sent.
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
        advanceMinute()
        let route = route < 0 ? 0 : route
        if route >= routeCapacity { growRoutes(to: route + 1) }
        let statusClass = RequestKey.statusClass(of: status)
        let row = (route * Self.methodCount + method.rawValue) * Self.statusClassCount + statusClass
        let base = row * Self.requestStride
        let latency = latencyNanos < 0 ? 0 : latencyNanos
        requestTable.withUnsafeMutableBufferPointer { table in
            if table[base + Self.fRequests] == 0 { touchedRequests.append(row) }
            table[base + Self.fRequests] &+= 1
            if rateLimited { table[base + Self.fLimited] &+= 1 }
            if dryRunWouldReject { table[base + Self.fDryRun] &+= 1 }
            table[base + Self.fBytesIn] &+= Int64(bytesIn)
            table[base + Self.fBytesOut] &+= Int64(bytesOut)
            table[base + Self.fLatSum] &+= latency
            if latency > table[base + Self.fLatMax] { table[base + Self.fLatMax] = latency }
            table[base + 7 + LatencyBuckets.index(forNanos: latency)] &+= 1
        }
        if shadowWouldReject != 0 { recordShadows(route: route, bits: shadowWouldReject) }
        if rateLimited, let client { recordOffender(client: client, route: route) }
        if let upstream, status >= 500, status <= 599 {
            let index = touchUpstream(upstream)
            upstreamTable[index * Self.upstreamStride + Self.u5xx] &+= 1
        }
    }

    private func recordShadows(route: Int, bits: UInt64) {
        var remaining = bits
        while remaining != 0 {
            let bit = remaining.trailingZeroBitCount
            remaining &= remaining &- 1
            let slot = route * Self.shadowStride + bit
            if shadowTable[slot] == 0 { touchedShadows.append(slot) }
            shadowTable[slot] &+= 1
        }
    }

    private func recordOffender(client: IPAddress, route: Int) {
        let key = LimitedKey(minute: minute, client: client, route: route)
        if let count = offenders[key] {
            offenders[key] = count &+ 1
        } else if offenders.count < Self.offenderCapacity {
            offenders[key] = 1
        } else if let smallest = offenders.min(by: { $0.value < $1.value }) {
            offenders.removeValue(forKey: smallest.key)
            offenders[key] = smallest.value &+ 1
        }
    }

    // MARK: Upstreams

    /// Records one exchange with upstream server `server`: its latency, and how it failed if it did.
    @inline(__always)
    public func recordUpstream(server: Int, latencyNanos: Int64, failure: UpstreamFailure?) {
        advanceMinute()
        let index = touchUpstream(server)
        let base = index * Self.upstreamStride
        let latency = latencyNanos < 0 ? 0 : latencyNanos
        upstreamTable.withUnsafeMutableBufferPointer { table in
            table[base + Self.uRequests] &+= 1
            switch failure {
            case .connectFailed: table[base + Self.uConnect] &+= 1
            case .timeout: table[base + Self.uTimeout] &+= 1
            case .broken: table[base + Self.uBroken] &+= 1
            case nil: break
            }
            table[base + Self.uLatSum] &+= latency
            if latency > table[base + Self.uLatMax] { table[base + Self.uLatMax] = latency }
            table[base + 7 + LatencyBuckets.index(forNanos: latency)] &+= 1
        }
    }

    /// Marks an upstream row as used (growing the table for an unknown id) and returns its index.
    @inline(__always)
    private func touchUpstream(_ server: Int) -> Int {
        let index = server < 0 ? 0 : server
        if index >= upstreamCapacity { growUpstreams(to: index + 1) }
        if !upstreamTouched[index] {
            upstreamTouched[index] = true
            touchedUpstreams.append(index)
        }
        return index
    }

    // MARK: Gateway

    /// A WebSocket connection was relayed (upgrade accepted on both sides).
    public func gatewayOpened() {
        advanceMinute()
        gatewayTouched = true
        gateway.opened &+= 1
        gatewayActive &+= 1
        if gatewayActive > gateway.peakActive { gateway.peakActive = gatewayActive }
    }

    /// A relayed WebSocket connection ended with close code `code` (1006 when no close frame was seen).
    public func gatewayClosed(code: UInt16) {
        advanceMinute()
        gatewayTouched = true
        gateway.closed &+= 1
        gatewayActive = max(0, gatewayActive &- 1)
        if let count = closeCodes[code] {
            closeCodes[code] = count &+ 1
        } else if closeCodes.count < Self.closeCodeCapacity {
            closeCodes[code] = 1
        } else {
            // A client inventing close codes cannot grow the table: the overflow goes to code 0.
            closeCodes[0, default: 0] &+= 1
        }
    }

    /// One data message relayed: `fromClient` true for client → server, false for server → client.
    @inline(__always)
    public func gatewayMessage(fromClient: Bool) {
        advanceMinute()
        gatewayTouched = true
        if fromClient { gateway.messagesIn &+= 1 } else { gateway.messagesOut &+= 1 }
    }

    /// A client ping was relayed upstream.
    public func gatewayPingRelayed() {
        advanceMinute()
        gatewayTouched = true
        gateway.pingsRelayed &+= 1
    }

    /// A connection was closed with 4009 because the client sent no ping in time.
    public func gatewayPingTimeout() {
        advanceMinute()
        gatewayTouched = true
        gateway.pingTimeouts &+= 1
    }

    /// An upgrade was refused by the per-IP connection cap.
    public func gatewayRejected() {
        advanceMinute()
        gatewayTouched = true
        gateway.rejected &+= 1
    }

    // MARK: Draining

    /// Returns everything recorded since the last drain, per minute, and starts afresh.
    ///
    /// - Parameter now: wall-clock time in ns since the epoch; stamped on the snapshot as `takenAt`.
    public func drain(now: Int64) -> MetricsSnapshot {
        moveCurrentMinuteToPending()
        minute = max(minute, MetricsClocks.minuteStart(ofNanos: now))
        var snapshot = pending
        snapshot.takenAt = now
        pending = MetricsSnapshot()
        return snapshot
    }

    @inline(__always)
    private func advanceMinute() {
        let current = MetricsClocks.minuteStart(ofNanos: clock())
        if current != minute { startMinute(current) }
    }

    private func startMinute(_ next: Int64) {
        moveCurrentMinuteToPending()
        minute = next
    }

    /// Copies the current minute's counters into `pending` and zeroes them in place.
    private func moveCurrentMinuteToPending() {
        for row in touchedRequests {
            let base = row * Self.requestStride
            var value = RequestRow()
            value.requests = requestTable[base + Self.fRequests]
            value.rateLimited = requestTable[base + Self.fLimited]
            value.dryRunWouldReject = requestTable[base + Self.fDryRun]
            value.bytesIn = requestTable[base + Self.fBytesIn]
            value.bytesOut = requestTable[base + Self.fBytesOut]
            value.latency = LatencyHistogram(
                buckets: Array(requestTable[(base + 7)..<(base + 7 + LatencyBuckets.count)]),
                sumNanos: requestTable[base + Self.fLatSum], maxNanos: requestTable[base + Self.fLatMax]
            )
            let statusClass = row % Self.statusClassCount
            let method = HTTPMethodClass(rawValue: (row / Self.statusClassCount) % Self.methodCount) ?? .other
            let route = row / (Self.statusClassCount * Self.methodCount)
            let key = RequestKey(minute: minute, route: route, method: method, statusClass: statusClass)
            pending.requests[key, default: RequestRow()].merge(value)
            for field in base..<(base + Self.requestStride) { requestTable[field] = 0 }
        }
        touchedRequests.removeAll(keepingCapacity: true)

        for index in touchedUpstreams {
            let base = index * Self.upstreamStride
            var value = UpstreamRow()
            value.requests = upstreamTable[base + Self.uRequests]
            value.connectFailures = upstreamTable[base + Self.uConnect]
            value.timeouts = upstreamTable[base + Self.uTimeout]
            value.broken = upstreamTable[base + Self.uBroken]
            value.responses5xx = upstreamTable[base + Self.u5xx]
            value.latency = LatencyHistogram(
                buckets: Array(upstreamTable[(base + 7)..<(base + 7 + LatencyBuckets.count)]),
                sumNanos: upstreamTable[base + Self.uLatSum], maxNanos: upstreamTable[base + Self.uLatMax]
            )
            pending.upstreams[UpstreamKey(minute: minute, server: index), default: UpstreamRow()].merge(value)
            for field in base..<(base + Self.upstreamStride) { upstreamTable[field] = 0 }
            upstreamTouched[index] = false
        }
        touchedUpstreams.removeAll(keepingCapacity: true)

        for slot in touchedShadows {
            let key = ShadowKey(minute: minute, route: slot / Self.shadowStride, rule: slot % Self.shadowStride)
            pending.shadow[key, default: 0] += shadowTable[slot]
            shadowTable[slot] = 0
        }
        touchedShadows.removeAll(keepingCapacity: true)

        for (key, count) in offenders { pending.limited[key, default: 0] += count }
        offenders.removeAll(keepingCapacity: true)

        // A minute with connections open but no event still gets its row, for its peak.
        if gatewayTouched || gatewayActive > 0 {
            pending.gateway[minute, default: GatewayRow()].merge(gateway)
            for (code, count) in closeCodes {
                pending.closeCodes[CloseCodeKey(minute: minute, code: code), default: 0] += count
            }
        }
        closeCodes.removeAll(keepingCapacity: true)
        gateway = GatewayRow()
        // The connections still open carry into the next interval's peak.
        gateway.peakActive = gatewayActive
        gatewayTouched = false
    }

    // MARK: Growing (rare: an id beyond what the labels announced)

    private func growRoutes(to count: Int) {
        let rowsPerRoute = Self.methodCount * Self.statusClassCount
        requestTable.append(
            contentsOf: repeatElement(0, count: (count - routeCapacity) * rowsPerRoute * Self.requestStride)
        )
        shadowTable.append(contentsOf: repeatElement(0, count: (count - routeCapacity) * Self.shadowStride))
        routeCapacity = count
        touchedRequests.reserveCapacity(count * rowsPerRoute)
        touchedShadows.reserveCapacity(count * Self.shadowStride)
    }

    private func growUpstreams(to count: Int) {
        upstreamTable.append(contentsOf: repeatElement(0, count: (count - upstreamCapacity) * Self.upstreamStride))
        upstreamTouched.append(contentsOf: repeatElement(false, count: count - upstreamCapacity))
        upstreamCapacity = count
        touchedUpstreams.reserveCapacity(count)
    }
}
