import EdgeCore
@testable import EdgeMetrics
import Foundation
import Logging

/// Synthetic traffic of a known shape for the tuning tests: per client, bursts that each start exactly at
/// an aligned window boundary and stay inside that window, so the enforcing fixed-window limiter (whose
/// window opens at the bucket's first counted request) and the aligned windows of the recorder agree.
struct AlignedTraffic {
    struct Request {
        var route: Int
        var client: IPAddress
        var at: Int64
    }

    /// An hour-aligned start: 2027-01-15T08:00:00Z.
    static let t0: Int64 = 1_800_000_000

    var requests: [Request] = []

    /// Adds, on route `route`, `clients` clients each sending bursts in `windows` consecutive-or-skipped aligned
    /// windows of `windowSeconds`, with counts drawn from `counts` (seeded, so every run is the same).
    mutating func add(route: Int, windowSeconds: Int64, clients: Int, windows: Int, counts: ClosedRange<Int>,
                      seed: UInt64) {
        var random = SplitMix(seed: seed)
        let length = windowSeconds * 1_000_000_000
        for c in 0..<clients {
            let client = IPAddress("10.\(route).\(c / 256).\(c % 256)")!
            var window = Int64(random.next() % 3)
            for _ in 0..<windows {
                let count = counts.lowerBound + Int(random.next() % UInt64(counts.count))
                let start = Self.t0 * 1_000_000_000 + window * length
                for j in 0..<count {
                    let at = start + Int64(j) * (length / Int64(count))
                    requests.append(Request(route: route, client: client, at: at))
                }
                window += 1 + Int64(random.next() % 2)
            }
        }
        requests.sort { $0.at < $1.at }
    }

    /// Requests of `route` the enforcing fixed-window limiter `limit` per `windowSeconds` rejects, replayed with
    /// the traffic's own clock (the global rule set out of reach).
    func enforcedRejections(route: Int, limit: Int, windowSeconds: Int64) -> Int64 {
        var rules = EdgeConfig.RateLimits()
        rules.global = RateLimitRule(name: "GLOBAL", limit: 1_000_000_000, per: .seconds(1))
        rules.default = RateLimitRule(name: "default", limit: limit, per: .seconds(windowSeconds))
        rules.routes = []
        let limiter = RateLimiter(rules: rules)
        let match = RouteMatch(index: 0, name: "default")
        var rejected: Int64 = 0
        for request in requests where request.route == route {
            if !limiter.check(client: request.client, route: match, now: request.at).isAllowed { rejected += 1 }
        }
        return rejected
    }

    /// Records everything through two recorders (requests alternate between the two loops at random, as two
    /// connections of one client may), draining both every `flushSeconds` of traffic time into `pipeline`,
    /// then a final flush that closes every window.
    func record(into pipeline: MetricsPipeline, windows: [ConfigDuration], flushSeconds: Int64 = 37,
                capacity: Int = 100_000) async -> (evictions: Int64, live: Int) {
        let loops = [WindowRecorder(windows: windows, capacity: capacity),
                     WindowRecorder(windows: windows, capacity: capacity)]
        var random = SplitMix(seed: 7)
        let interval = flushSeconds * 1_000_000_000
        var nextFlush = (requests.first?.at ?? 0) / interval * interval + interval
        var evictions: Int64 = 0
        func flush(at now: Int64, final: Bool) async {
            var snapshot = MetricsSnapshot()
            snapshot.takenAt = now
            for loop in loops { snapshot.windows.merge(loop.drain(closedBy: final ? nil : now)) }
            evictions += snapshot.windows.evictions
            await pipeline.ingest(snapshot, closingAllWindows: final)
        }
        for request in requests {
            if request.at >= nextFlush {
                await flush(at: nextFlush, final: false)
                nextFlush = request.at / interval * interval + interval
            }
            loops[Int(random.next() % 2)].record(rule: request.route, client: request.client, now: request.at)
        }
        await flush(at: nextFlush, final: true)
        return (evictions, loops.map(\.liveEntries).reduce(0, +))
    }
}

/// A small seeded generator (SplitMix64), so the synthetic traffic is the same on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

enum TuningFixtures {
    static let windows: [ConfigDuration] = [.seconds(1), .seconds(10), .minutes(1), .minutes(10), .hours(1)]
    static let labels = MetricsLabels(routes: ["default", "w1s", "w10s", "w1m", "w10m", "w1h"], upstreams: [])

    static func pipeline(_ path: String, labels: MetricsLabels = labels) -> MetricsPipeline {
        var config = EdgeConfig.Metrics()
        config.database = path
        config.retention = .days(3650)
        return MetricsPipeline(labels: labels, config: config, version: "test", logger: Logger(label: "test"),
                               clock: { AlignedTraffic.t0 * 1_000_000_000 })
    }

    /// `now` for `tune`: a day after the synthetic traffic started, in seconds.
    static let now = AlignedTraffic.t0 + 86_400
}
