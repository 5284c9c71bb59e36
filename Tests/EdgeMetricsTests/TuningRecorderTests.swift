import EdgeCore
@testable import EdgeMetrics
import Testing

@Suite struct TuningRecorderTests {
    let second: Int64 = 1_000_000_000
    let t0 = AlignedTraffic.t0 * 1_000_000_000
    let alice = IPAddress("192.0.2.1")!

    @Test("bins: 1...64 exact, then four log-spaced bins per doubling, bounds round-trip")
    func bins() {
        #expect(CountBins.count == 145)
        for value: Int64 in 1...64 { #expect(CountBins.lower(CountBins.bin(of: value)) == value) }
        #expect(CountBins.lower(64) == 65)
        #expect(CountBins.upper(64) == 80)
        #expect(CountBins.lower(65) == 81)
        #expect(CountBins.upper(65) == 96)
        #expect(CountBins.lower(67) == 113)
        #expect(CountBins.upper(67) == 128)
        #expect(CountBins.lower(68) == 129)
        #expect(CountBins.upper(68) == 160)
        #expect(CountBins.upper(CountBins.count - 1) == .max)
        for bin in 0..<(CountBins.count - 1) {
            #expect(CountBins.bin(of: CountBins.lower(bin)) == bin)
            #expect(CountBins.bin(of: CountBins.upper(bin)) == bin)
            #expect(CountBins.lower(bin + 1) == CountBins.upper(bin) + 1)
        }
        #expect(CountBins.bin(of: 1 << 40) == CountBins.count - 1)
    }

    @Test("rejected requests: exact at bin bounds, bounded inside a log bin")
    func rejectedFigures() {
        var histogram = CountHistogram()
        for count: Int64 in [1, 3, 3, 10, 70, 75, 200] { histogram.add(count: count) }
        let overThree: Int64 = 343 // 7 + 67 + 72 + 197
        let atThree = histogram.rejected(limit: 3)
        #expect(atThree.low == overThree)
        #expect(atThree.high == overThree)
        let atEighty = histogram.rejected(limit: 80)
        #expect(atEighty.low == 120)
        #expect(atEighty.high == 120)
        let inside = histogram.rejected(limit: 72)
        #expect(!inside.isExact)
        #expect(inside.low <= 3 + 128 && 3 + 128 <= inside.high)
        let affected = histogram.affected(limit: 3)
        #expect(affected.low == 4)
        #expect(affected.high == 4)
        #expect(histogram.quantile(0.5) == 10)
        #expect(histogram.quantile(1) == 200)
    }

    @Test("a client's window split over two loops is one pair (partials added before binning)")
    func crossLoopMerge() throws {
        let a = WindowRecorder(windows: [.seconds(10)], capacity: 16)
        let b = WindowRecorder(windows: [.seconds(10)], capacity: 16)
        var accumulator = WindowAccumulator()
        a.record(rule: 1, client: alice, now: t0 + 1 * second)
        b.record(rule: 1, client: alice, now: t0 + 2 * second)
        var first = a.drain()
        first.merge(b.drain())
        accumulator.add(first)
        #expect(accumulator.close(upTo: t0 + 5 * second).isEmpty)
        a.record(rule: 1, client: alice, now: t0 + 9 * second)
        b.record(rule: 1, client: alice, now: t0 + 9 * second)
        b.record(rule: 1, client: alice, now: t0 + 11 * second)
        var later = a.drain()
        later.merge(b.drain())
        accumulator.add(later)
        let rows = accumulator.close(upTo: t0 + 10 * second)
        let histogram = try #require(rows.histograms.values.first)
        #expect(rows.histograms.count == 1)
        #expect(histogram.totalPairs == 1)
        #expect(histogram.pairs[CountBins.bin(of: 4)] == 1)
        let rest = accumulator.closeAll()
        #expect(rest.histograms.values.first?.pairs[0] == 1)
    }

    @Test("a drain hands out the windows closed by then; open ones keep counting; the last drain hands out all")
    func drainHandsOutClosedWindows() {
        let recorder = WindowRecorder(windows: [.seconds(1), .seconds(10)], capacity: 16)
        func drained(_ now: Int64?) -> [[Int64]] {
            recorder.drain(closedBy: now).partials
                .map { [$0.length / second, ($0.start - t0) / second, $0.count] }.sorted { $0.lexicographicallyPrecedes($1) }
        }
        recorder.record(rule: 0, client: alice, now: t0 + second / 10)
        recorder.record(rule: 0, client: alice, now: t0 + second / 2)
        recorder.record(rule: 0, client: alice, now: t0 + 12 * second / 10)
        // [length s, start - t0 s, count]: the first 1 s window closed; the second and the 10 s one are open.
        #expect(drained(t0 + 15 * second / 10) == [[1, 0, 2]])
        #expect(drained(t0 + 2 * second) == [[1, 1, 1]])  // a window ending at `now` has closed
        #expect(drained(t0 + 3 * second).isEmpty)
        recorder.record(rule: 0, client: alice, now: t0 + 9 * second)
        #expect(drained(t0 + 10 * second) == [[1, 9, 1], [10, 0, 4]])
        #expect(drained(t0 + 60 * second).isEmpty)
        // The last flush: open windows too, with what they have so far.
        recorder.record(rule: 0, client: alice, now: t0 + 61 * second)
        #expect(drained(nil) == [[1, 61, 1], [10, 60, 1]])
        #expect(drained(nil).isEmpty)
    }

    @Test("a window is binned only after its end plus the pipeline's grace; the last flush bins open ones")
    func graceAndFinalFlush() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let pipeline = TuningFixtures.pipeline(directory.file("m.sqlite"))
        let recorder = WindowRecorder(windows: [.seconds(1)], capacity: 16)
        recorder.record(rule: 0, client: alice, now: t0)
        var snapshot = MetricsSnapshot()
        snapshot.windows = recorder.drain()
        snapshot.takenAt = t0 + 2 * second
        await pipeline.ingest(snapshot)
        #expect(await pipeline.figures().tuning.histograms.isEmpty)
        snapshot = MetricsSnapshot()
        snapshot.takenAt = t0 + 3 * second
        await pipeline.ingest(snapshot)
        #expect(await pipeline.figures().tuning.histograms["default"]?[1]?.totalPairs == 1)
        recorder.record(rule: 0, client: alice, now: t0 + 5 * second)
        snapshot = MetricsSnapshot()
        snapshot.windows = recorder.drain()
        snapshot.takenAt = t0 + 5 * second
        await pipeline.ingest(snapshot, closingAllWindows: true)
        #expect(await pipeline.figures().tuning.histograms["default"]?[1]?.totalPairs == 2)
    }

    @Test("memory is bounded by the LRU cap; evictions are counted and lose no request")
    func lruBound() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("m.sqlite")
        var traffic = AlignedTraffic()
        traffic.add(route: 2, windowSeconds: 10, clients: 300, windows: 3, counts: 1...9, seed: 11)
        let (evictions, live) = await traffic.record(
            into: TuningFixtures.pipeline(path), windows: [.seconds(10)], capacity: 50)
        #expect(live <= 100)
        #expect(evictions > 0)
        let report = try TuneQuery.run(.init(path: path, route: "w10s", since: 86_400, sinceText: "1d",
                                             now: TuningFixtures.now, limits: [TuneLimit(limit: 4, windowSeconds: 10)]))
        #expect(report.windows.first?.requests == Int64(traffic.requests.count))
        #expect(report.windows.first?.pairs == 900)
        #expect(report.candidates.first?.rejectedRequests
                == traffic.enforcedRejections(route: 2, limit: 4, windowSeconds: 10))
    }

    @Test("record(route:) counts the route's rule and GLOBAL; steady-state recording reuses its slots")
    func routeAndGlobal() {
        let recorder = WindowRecorder(windows: [.seconds(1), .minutes(1)], capacity: 8)
        for i in 0..<5 { recorder.record(route: 3, client: alice, now: t0 + Int64(i) * second / 10) }
        #expect(recorder.liveEntries == 2)
        let snapshot = recorder.drain()
        let byRule = Dictionary(grouping: snapshot.partials, by: \.rule)
        #expect(byRule[3]?.map(\.count).reduce(0, +) == 10)
        #expect(byRule[WindowRecorder.globalRule]?.map(\.count).reduce(0, +) == 10)
        #expect(recorder.drain().partials.isEmpty)
    }

    @Test("a flood between two drains is bounded by the outbox; what does not fit is counted as dropped")
    func outboxBound() {
        let recorder = WindowRecorder(windows: [.seconds(10)], capacity: 1)
        let clients = 70_000
        for i in 0..<clients {
            recorder.record(rule: 0, client: .v4(UInt32(0x0A00_0000 + i)), now: t0)
        }
        let snapshot = recorder.drain()
        #expect(recorder.liveEntries == 1)
        #expect(snapshot.evictions == Int64(clients - 1))
        #expect(snapshot.partials.count == 65_536)
        #expect(Int64(snapshot.partials.count) + snapshot.dropped == Int64(clients))
    }
}
