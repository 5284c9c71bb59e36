import EdgeCore

/// The counters of one `MetricsShard`, as a value: every event comes in with the time it happened, so
/// the struct is tested without a clock, and the shard mutates it through a single access per event.
///
/// Counters live in flat `[Int64]` tables sized at init (rows keyed by route × method class × status
/// class), the offender and close-code tables are pre-sized dictionaries, and no `String` is built: in
/// steady state nothing is allocated. A route or upstream id beyond the sizes the labels gave grows a
/// table once. When the minute changes, the finished minute's rows move to the pending snapshot (one
/// allocation per minute); `drain(now:)` returns them and resets the tables in place.
struct ShardTables {
    /// Most distinct (client, route) pairs kept per minute. When full, the pair with the smallest count
    /// is replaced and the newcomer inherits that count + 1 ("space saving"): heavy hitters stay exact
    /// enough to rank, and memory stays bounded under a flood of addresses.
    // Computed constants, so the hot path reads no lazily initialized global.
    static var offenderCapacity: Int { 128 }
    static var closeCodeCapacity: Int { 32 }
    /// `HTTPMethodClass.allCases.count`.
    static var methodCount: Int { 8 }
    static var statusClassCount: Int { 6 }
    static var shadowStride: Int { 64 }

    // Request table fields (stride `requestStride`), then the latency buckets.
    static var fRequests: Int { 0 }
    static var fLimited: Int { 1 }
    static var fDryRun: Int { 2 }
    static var fBytesIn: Int { 3 }
    static var fBytesOut: Int { 4 }
    static var fLatSum: Int { 5 }
    static var fLatMax: Int { 6 }
    static var requestStride: Int { 7 + 19 }
    // Upstream table fields (stride `upstreamStride`), then the latency buckets.
    static var uRequests: Int { 0 }
    static var uConnect: Int { 1 }
    static var uTimeout: Int { 2 }
    static var uBroken: Int { 3 }
    static var u5xx: Int { 4 }
    static var uLatSum: Int { 5 }
    static var uLatMax: Int { 6 }
    static var upstreamStride: Int { 7 + 19 }

    /// The minute being recorded: its start in seconds, and its bounds in ns for a division-free check.
    private(set) var minute: Int64
    private var minuteStartNanos: Int64
    private var minuteEndNanos: Int64

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
    ///   - now: wall-clock ns since the epoch; the first minute.
    init(labels: MetricsLabels, now: Int64) {
        minute = MetricsClocks.minuteStart(ofNanos: now)
        minuteStartNanos = minute * 1_000_000_000
        minuteEndNanos = minuteStartNanos + 60_000_000_000
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
    mutating func recordRequest(
        now: Int64, route: Int, method: HTTPMethodClass, status: Int, bytesIn: Int, bytesOut: Int, latencyNanos: Int64,
        rateLimited: Bool, dryRunWouldReject: Bool, shadowWouldReject: UInt64, client: IPAddress?, upstream: Int?
    ) {
        advanceMinute(now)
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

    private mutating func recordShadows(route: Int, bits: UInt64) {
        var remaining = bits
        while remaining != 0 {
            let bit = remaining.trailingZeroBitCount
            remaining &= remaining &- 1
            let slot = route * Self.shadowStride + bit
            if shadowTable[slot] == 0 { touchedShadows.append(slot) }
            shadowTable[slot] &+= 1
        }
    }

    private mutating func recordOffender(client: IPAddress, route: Int) {
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
    mutating func recordUpstream(now: Int64, server: Int, latencyNanos: Int64, failure: UpstreamFailure?) {
        advanceMinute(now)
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
    private mutating func touchUpstream(_ server: Int) -> Int {
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
    mutating func gatewayOpened(now: Int64) {
        advanceMinute(now)
        gatewayTouched = true
        gateway.opened &+= 1
        gatewayActive &+= 1
        if gatewayActive > gateway.peakActive { gateway.peakActive = gatewayActive }
    }

    /// A relayed WebSocket connection ended with close code `code` (1006 when no close frame was seen).
    mutating func gatewayClosed(now: Int64, code: UInt16) {
        advanceMinute(now)
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
    mutating func gatewayMessage(now: Int64, fromClient: Bool) {
        advanceMinute(now)
        gatewayTouched = true
        if fromClient { gateway.messagesIn &+= 1 } else { gateway.messagesOut &+= 1 }
    }

    /// A client ping was relayed upstream.
    mutating func gatewayPingRelayed(now: Int64) {
        advanceMinute(now)
        gatewayTouched = true
        gateway.pingsRelayed &+= 1
    }

    /// A connection was closed with 4009 because the client sent no ping in time.
    mutating func gatewayPingTimeout(now: Int64) {
        advanceMinute(now)
        gatewayTouched = true
        gateway.pingTimeouts &+= 1
    }

    /// An upgrade was refused by the per-IP connection cap.
    mutating func gatewayRejected(now: Int64) {
        advanceMinute(now)
        gatewayTouched = true
        gateway.rejected &+= 1
    }

    // MARK: Draining

    /// Returns everything recorded since the last drain, per minute, and starts afresh.
    ///
    /// - Parameter now: wall-clock time in ns since the epoch; stamped on the snapshot as `takenAt`.
    mutating func drain(now: Int64) -> MetricsSnapshot {
        moveCurrentMinuteToPending()
        let nowMinute = MetricsClocks.minuteStart(ofNanos: now)
        if nowMinute > minute { setMinute(nowMinute) }
        var snapshot = pending
        snapshot.takenAt = now
        pending = MetricsSnapshot()
        return snapshot
    }

    /// Moves to the minute holding `now` when it is not the current one (a compare, no division).
    @inline(__always)
    private mutating func advanceMinute(_ now: Int64) {
        if now < minuteStartNanos || now >= minuteEndNanos { startMinute(MetricsClocks.minuteStart(ofNanos: now)) }
    }

    private mutating func startMinute(_ next: Int64) {
        moveCurrentMinuteToPending()
        setMinute(next)
    }

    private mutating func setMinute(_ next: Int64) {
        minute = next
        minuteStartNanos = next * 1_000_000_000
        minuteEndNanos = minuteStartNanos + 60_000_000_000
    }

    /// Copies the current minute's counters into `pending` and zeroes them in place.
    private mutating func moveCurrentMinuteToPending() {
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

    private mutating func growRoutes(to count: Int) {
        let rowsPerRoute = Self.methodCount * Self.statusClassCount
        requestTable.append(
            contentsOf: repeatElement(0, count: (count - routeCapacity) * rowsPerRoute * Self.requestStride)
        )
        shadowTable.append(contentsOf: repeatElement(0, count: (count - routeCapacity) * Self.shadowStride))
        routeCapacity = count
        touchedRequests.reserveCapacity(count * rowsPerRoute)
        touchedShadows.reserveCapacity(count * Self.shadowStride)
    }

    private mutating func growUpstreams(to count: Int) {
        upstreamTable.append(contentsOf: repeatElement(0, count: (count - upstreamCapacity) * Self.upstreamStride))
        upstreamTouched.append(contentsOf: repeatElement(false, count: count - upstreamCapacity))
        upstreamCapacity = count
        touchedUpstreams.reserveCapacity(count)
    }
}
