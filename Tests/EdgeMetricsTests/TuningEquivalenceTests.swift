import EdgeCore
@testable import EdgeMetrics
import Foundation
import Testing

/// `tune`'s numbers for candidate fixed-window limits equal what the enforcing `RateLimiter` rejects on the
/// same traffic, at each recorded window length (traffic whose bursts start at aligned boundaries).
@Suite struct TuningEquivalenceTests {
    static let limits = [1, 2, 5, 10, 33, 64, 80, 96, 128, 160]

    @Test("tune == RateLimiter rejections, at 1s, 10s, 1m, 10m and 1h, through two loops and the pipeline")
    func tuneEqualsEnforcingLimiter() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("metrics.sqlite")
        var traffic = AlignedTraffic()
        let windowSeconds: [Int64] = [1, 10, 60, 600, 3_600]
        for (index, seconds) in windowSeconds.enumerated() {
            traffic.add(route: index + 1, windowSeconds: seconds, clients: 12, windows: 6, counts: 1...170,
                        seed: UInt64(index + 1))
        }
        _ = await traffic.record(into: TuningFixtures.pipeline(path), windows: TuningFixtures.windows)

        for (index, seconds) in windowSeconds.enumerated() {
            let route = TuningFixtures.labels.routes[index + 1]
            let candidates = Self.limits.map { TuneLimit(limit: Int64($0), windowSeconds: seconds) }
            let report = try TuneQuery.run(.init(
                path: path, route: route, since: 86_400 * 2, sinceText: "2d", now: TuningFixtures.now,
                limits: candidates
            ))
            let requests = Int64(traffic.requests.filter { $0.route == index + 1 }.count)
            for (limit, line) in zip(Self.limits, report.candidates) {
                let enforced = traffic.enforcedRejections(route: index + 1, limit: limit, windowSeconds: seconds)
                #expect(line.exact, "\(route) \(line.limit)")
                #expect(line.rejectedRequests == enforced, "\(route) \(line.limit)")
                #expect(line.requests == requests, "\(route) \(line.limit)")
            }
            let window = try #require(report.windows.first { $0.windowSeconds == seconds })
            #expect(window.pairs == 12 * 6)
            #expect(window.max <= 170)
        }
    }

    @Test("every rule is also recorded under GLOBAL, and all five windows are kept for each rule")
    func globalAndAllWindows() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("metrics.sqlite")
        var traffic = AlignedTraffic()
        traffic.add(route: 1, windowSeconds: 10, clients: 3, windows: 2, counts: 5...5, seed: 3)
        let pipeline = TuningFixtures.pipeline(path)
        let recorder = WindowRecorder(windows: TuningFixtures.windows, capacity: 100)
        for request in traffic.requests {
            recorder.record(route: request.route, client: request.client, now: request.at)
        }
        var snapshot = MetricsSnapshot()
        snapshot.windows = recorder.drain()
        await pipeline.ingest(snapshot, closingAllWindows: true)
        let global = try TuneQuery.run(.init(path: path, route: "GLOBAL", since: 86_400, sinceText: "1d",
                                             now: TuningFixtures.now))
        #expect(global.windows.map(\.window) == ["1s", "10s", "1m", "10m", "1h"])
        #expect(global.windows.first { $0.window == "10s" }?.pairs == 6)
        #expect(global.windows.first { $0.window == "1h" }?.requests == 30)
    }

    @Test("the documented caveat: a burst across an aligned boundary is 6 + 6 for tune, 12 for the limiter")
    func acrossBoundaryDiffers() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("metrics.sqlite")
        var traffic = AlignedTraffic()
        let client = IPAddress("192.0.2.9")!
        let boundary = (AlignedTraffic.t0 + 10) * 1_000_000_000
        for i in -6..<6 {
            traffic.requests.append(.init(route: 1, client: client, at: boundary + Int64(i) * 50_000_000))
        }
        _ = await traffic.record(into: TuningFixtures.pipeline(path), windows: [.seconds(1)])
        let report = try TuneQuery.run(.init(path: path, route: "w1s", since: 86_400, sinceText: "1d",
                                             now: TuningFixtures.now, limits: [TuneLimit(limit: 10, windowSeconds: 1)]))
        #expect(report.candidates.first?.rejectedRequests == 0)
        #expect(traffic.enforcedRejections(route: 1, limit: 10, windowSeconds: 1) == 2)
    }
}
