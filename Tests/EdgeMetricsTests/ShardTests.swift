import EdgeCore
@testable import EdgeMetrics
import Testing

@Suite struct ShardTests {
    let t0 = KnownTraffic.t0

    @Test func twoShardsMergeIntoPerMinuteRows() {
        let snapshot = KnownTraffic.snapshot()
        #expect(snapshot.takenAt == (t0 + 75) * 1_000_000_000)

        let usersGet = snapshot.requests[RequestKey(minute: t0, route: 1, method: .get, statusClass: 2)]
        #expect(usersGet?.requests == 15)
        #expect(usersGet?.bytesOut == 1500)
        #expect(usersGet?.latency.buckets[5] == 15)
        #expect(usersGet?.latency.maxNanos == 3_000_000)

        let limited = snapshot.requests[RequestKey(minute: t0, route: 2, method: .post, statusClass: 4)]
        #expect(limited?.requests == 6)
        #expect(limited?.rateLimited == 6)
        #expect(limited?.bytesIn == 120)

        let failing = snapshot.requests[RequestKey(minute: t0 + 60, route: 1, method: .get, statusClass: 5)]
        #expect(failing?.requests == 2)
        #expect(failing?.dryRunWouldReject == 1)

        #expect(snapshot.upstreams[UpstreamKey(minute: t0, server: 0)]?.requests == 16)
        let secondMinute = snapshot.upstreams[UpstreamKey(minute: t0 + 60, server: 0)]
        #expect(secondMinute?.connectFailures == 2)
        #expect(secondMinute?.responses5xx == 2)

        #expect(snapshot.limited[LimitedKey(minute: t0, client: KnownTraffic.attacker, route: 2)] == 5)
        #expect(snapshot.limited[LimitedKey(minute: t0, client: KnownTraffic.other, route: 2)] == 1)
        #expect(snapshot.shadow[ShadowKey(minute: t0 + 60, route: 1, rule: 0)] == 2)

        #expect(snapshot.gateway[t0]?.opened == 2)
        #expect(snapshot.gateway[t0]?.peakActive == 2)
        #expect(snapshot.gateway[t0]?.messagesIn == 5)
        #expect(snapshot.gateway[t0]?.messagesOut == 7)
        #expect(snapshot.gateway[t0]?.rejected == 1)
        #expect(snapshot.gateway[t0 + 60]?.closed == 2)
        #expect(snapshot.gateway[t0 + 60]?.pingTimeouts == 1)
        #expect(snapshot.closeCodes[CloseCodeKey(minute: t0 + 60, code: 4009)] == 1)
        #expect(snapshot.closeCodes[CloseCodeKey(minute: t0 + 60, code: 1000)] == 1)
    }

    @Test func drainResetsTheShard() {
        let clock = TestClock(seconds: t0)
        let shard = MetricsShard(labels: KnownTraffic.labels, clock: clock.clock)
        KnownTraffic.request(shard, route: 1, .get, 200, latency: 1)
        #expect(shard.drain(now: clock.nanos).requests.count == 1)
        let empty = shard.drain(now: clock.nanos)
        #expect(empty.requests.isEmpty)
        #expect(empty.isEmpty)
        KnownTraffic.request(shard, route: 1, .get, 200, latency: 1)
        #expect(shard.drain(now: clock.nanos).requests.values.first?.requests == 1)
    }

    @Test func unknownIdsGrowTheTables() {
        let clock = TestClock(seconds: t0)
        let shard = MetricsShard(labels: MetricsLabels(routes: ["default"], upstreams: []), clock: clock.clock)
        KnownTraffic.request(shard, route: 7, .delete, 204, latency: 1, upstream: 3)
        shard.recordUpstream(server: 3, latencyNanos: 5, failure: .timeout)
        let snapshot = shard.drain(now: clock.nanos)
        #expect(snapshot.requests[RequestKey(minute: t0, route: 7, method: .delete, statusClass: 2)]?.requests == 1)
        #expect(snapshot.upstreams[UpstreamKey(minute: t0, server: 3)]?.timeouts == 1)
        #expect(KnownTraffic.labels.route(9) == "route#9")
    }

    @Test func offenderTableStaysBounded() {
        let clock = TestClock(seconds: t0)
        let shard = MetricsShard(labels: KnownTraffic.labels, clock: clock.clock)
        for _ in 0..<50 { KnownTraffic.request(shard, route: 2, .post, 429, latency: 1, limited: true,
                                               client: KnownTraffic.attacker) }
        for index in 0..<1_000 {
            KnownTraffic.request(shard, route: 2, .post, 429, latency: 1, limited: true,
                                 client: .v4(0x0A00_0000 + UInt32(index)))
        }
        let snapshot = shard.drain(now: clock.nanos)
        #expect(snapshot.limited.count == MetricsShard.offenderCapacity)
        #expect(snapshot.limited[LimitedKey(minute: t0, client: KnownTraffic.attacker, route: 2)] == 50)
        #expect(snapshot.requests.values.first?.rateLimited == 1_050)
    }

    @Test func statusClassesAndMethods() {
        #expect(RequestKey.statusClass(of: 101) == 1)
        #expect(RequestKey.statusClass(of: 599) == 5)
        #expect(RequestKey.statusClass(of: 600) == 0)
        #expect(RequestKey.statusClass(of: 42) == 0)
        #expect(HTTPMethodClass(name: "PATCH") == .patch)
        #expect(HTTPMethodClass(name: "get") == .other)
        #expect(HTTPMethodClass(name: "PROPFIND") == .other)
    }

    @Test func minuteStartIsFloor() {
        #expect(MetricsClocks.minuteStart(ofNanos: (t0 + 59) * 1_000_000_000 + 999) == t0)
        #expect(MetricsClocks.minuteStart(ofNanos: (t0 + 60) * 1_000_000_000) == t0 + 60)
    }
}

@Suite struct HistogramTests {
    @Test func bucketIndexMatchesBounds() {
        for (index, bound) in LatencyBuckets.upperBoundsNanos.enumerated() {
            #expect(LatencyBuckets.index(forNanos: bound) == index)
            #expect(LatencyBuckets.index(forNanos: bound + 1) == index + 1)
        }
        #expect(LatencyBuckets.index(forNanos: 0) == 0)
        #expect(LatencyBuckets.columnNames.count == LatencyBuckets.count)
        #expect(LatencyBuckets.upperBoundsNanos.count == LatencyBuckets.count - 1)
    }

    @Test func percentilesReadFromBuckets() {
        var histogram = LatencyHistogram()
        for _ in 0..<90 { histogram.record(nanos: 1_500_000) }     // le_2ms
        for _ in 0..<9 { histogram.record(nanos: 30_000_000) }     // le_50ms
        histogram.record(nanos: 700_000_000)                        // le_1s, the max
        #expect(histogram.count == 100)
        // Rank 50 of 90 in (1 ms, 2 ms]: 1 ms + 1 ms × 50/90.
        #expect(histogram.percentileNanos(0.5) == 1_555_555)
        #expect(histogram.percentileNanos(0.9) == 2_000_000)
        // Rank 1 of 9 in (20 ms, 50 ms]: 20 ms + 30 ms / 9.
        #expect(histogram.percentileNanos(0.91) == 23_333_333)
        #expect(histogram.percentileNanos(0.99) == 50_000_000)
        // In (500 ms, 1 s], but never above the maximum.
        #expect(histogram.percentileNanos(1.0) == 700_000_000)
        #expect(histogram.maxNanos == 700_000_000)
        #expect(LatencyHistogram().percentileNanos(0.99) == 0)
    }

    @Test func percentileNeverExceedsMax() {
        var histogram = LatencyHistogram()
        histogram.record(nanos: 3_000_000)
        #expect(histogram.percentileNanos(0.5) == 3_000_000)
        histogram.record(nanos: 90_000_000_000)
        #expect(histogram.percentileNanos(1.0) == 90_000_000_000)
    }
}

@Suite struct LabelsTests {
    @Test func labelsFromConfigNumberRoutesLikeTheLimiter() throws {
        var config = EdgeConfig()
        config.upstreams.rest = [try #require(UpstreamURL(parsing: "http://10.0.0.5:7070"))]
        config.rateLimits.routes = [
            RouteRule(method: "GET", path: "/a", rule: RateLimitRule(name: "a.get", limit: 1, per: .seconds(1)),
                      shadows: [RateLimitRule(name: "a.get.strict", limit: 1, per: .seconds(10))]),
            RouteRule(method: "POST", path: "/b", rule: RateLimitRule(name: "b.post", limit: 1, per: .seconds(1))),
        ]
        let labels = MetricsLabels(config: config)
        #expect(labels.routes == ["default", "a.get", "b.post"])
        #expect(labels.upstreams == ["10.0.0.5:7070"])
        #expect(labels.shadowRule(route: 1, rule: 0) == "a.get.strict")
        #expect(labels.shadowRule(route: 2, rule: 0) == "shadow#0")
        #expect(labels.upstream(4) == "upstream#4")
    }
}

/// The shard's tables alone, with explicit event times (no clock).
@Suite struct ShardTablesTests {
    let t0 = KnownTraffic.t0

    func nanos(_ seconds: Int64) -> Int64 { seconds * 1_000_000_000 }

    @Test func eventsLandInTheMinuteOfTheirTime() {
        var tables = ShardTables(labels: KnownTraffic.labels, now: nanos(t0))
        tables.recordUpstream(now: nanos(t0 + 59) + 999_999_999, server: 0, latencyNanos: 1, failure: nil)
        tables.recordUpstream(now: nanos(t0 + 60), server: 0, latencyNanos: 1, failure: .broken)
        tables.recordUpstream(now: nanos(t0 + 185), server: 0, latencyNanos: 1, failure: .timeout)
        let snapshot = tables.drain(now: nanos(t0 + 190))
        #expect(snapshot.upstreams.keys.map(\.minute).sorted() == [t0, t0 + 60, t0 + 180])
        #expect(snapshot.upstreams[UpstreamKey(minute: t0 + 60, server: 0)]?.broken == 1)
        #expect(snapshot.upstreams[UpstreamKey(minute: t0 + 180, server: 0)]?.timeouts == 1)
    }

    @Test func openConnectionsCarryTheirPeakIntoLaterMinutes() {
        var tables = ShardTables(labels: KnownTraffic.labels, now: nanos(t0))
        tables.gatewayOpened(now: nanos(t0 + 1))
        tables.gatewayOpened(now: nanos(t0 + 2))
        tables.gatewayOpened(now: nanos(t0 + 3))
        tables.gatewayClosed(now: nanos(t0 + 4), code: 1000)
        #expect(tables.drain(now: nanos(t0 + 5)).gateway[t0]?.peakActive == 3)
        // Nothing happens for two minutes; the two connections still open show as the next minute's peak.
        let later = tables.drain(now: nanos(t0 + 130))
        #expect(later.gateway[t0]?.peakActive == 2)
        #expect(later.gateway[t0]?.opened == 0)
        #expect(tables.drain(now: nanos(t0 + 131)).gateway[t0 + 120]?.peakActive == 2)
    }

    @Test func closeCodesAreBounded() {
        var tables = ShardTables(labels: KnownTraffic.labels, now: nanos(t0))
        for code in 0..<100 {
            tables.gatewayOpened(now: nanos(t0))
            tables.gatewayClosed(now: nanos(t0), code: UInt16(3000 + code))
        }
        let codes = tables.drain(now: nanos(t0)).closeCodes
        #expect(codes.count == ShardTables.closeCodeCapacity + 1)
        #expect(codes[CloseCodeKey(minute: t0, code: 0)] == Int64(100 - ShardTables.closeCodeCapacity))
        #expect(codes.values.reduce(0, +) == 100)
    }
}
