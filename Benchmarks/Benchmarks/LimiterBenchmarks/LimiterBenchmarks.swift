// Times one rate-limit decision with 1 live bucket and with 1,000,000 live buckets, header rendering, the
// tuning recorder, and measures the resident memory each bucket costs. Prints one line per figure.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import EdgeCore
import EdgeMetrics

let second: Int64 = 1_000_000_000
let epoch: Int64 = 1_764_000_000 * second

/// Resident set size in bytes, from /proc/self/statm (Linux); 0 elsewhere.
func residentBytes() -> Int {
    #if os(Linux)
    let fd = open("/proc/self/statm", O_RDONLY)
    guard fd >= 0 else { return 0 }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 256)
    let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 256) }
    guard count > 0 else { return 0 }
    let fields = buffer[0..<count].split(separator: UInt8(ascii: " "))
    guard fields.count > 1, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    #else
    return 0
    #endif
}

/// Runs `body` `iterations` times (after a warm-up) and returns nanoseconds per call, best of `rounds`.
func measure(_ name: String, iterations: Int, rounds: Int = 5, _ body: (Int) -> Int) -> Double {
    var sink = 0
    for i in 0..<min(iterations, 100_000) { sink &+= body(i) }
    var best = Double.infinity
    let clock = ContinuousClock()
    for _ in 0..<rounds {
        let start = clock.now
        for i in 0..<iterations { sink &+= body(i) }
        let elapsed = clock.now - start
        let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        best = min(best, ns / Double(iterations))
    }
    print("\(name): \(format(best)) ns/op (best of \(rounds) x \(iterations), checksum \(sink & 1))")
    return best
}

func format(_ value: Double) -> String {
    let hundredths = Int((value * 100).rounded())
    let fraction = hundredths % 100
    return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

func config(maxBuckets: Int) -> EdgeConfig.RateLimits {
    var rules = EdgeConfig.RateLimits()
    // Limits high enough that every decision is an allowed, counted one (the common, slowest path).
    rules.global = RateLimitRule(name: "GLOBAL", limit: 1_000_000_000, per: .seconds(1))
    rules.default = RateLimitRule(name: "default", limit: 1_000_000_000, per: .minutes(10))
    rules.maxBuckets = maxBuckets
    return rules
}

/// A client address per index, spread over the IPv4 space.
@inline(__always) func client(_ n: Int) -> IPAddress { .v4(UInt32(truncatingIfNeeded: n &* 2_654_435_761)) }

// The tuning recorder (`metrics.tuning_windows`, default 1s 10s 1m 10m 1h): what it adds to each request that
// reaches the limiter (one `record`: the route's rule and the global rule). Simulated 50,000 requests/s on one
// event loop, each loop's share of the default capacity (1,000,000 / 2 loops), and the flusher's `drain` once per
// simulated second (it runs on the same loop), amortized into the figure.
func benchmarkTuningRecorder() {
    let windows = EdgeConfig.Metrics().tuningWindows
    let step: Int64 = 20_000  // ns between requests: 50,000 requests/s
    let requestsPerDrain = 50_000
    /// ns per `record` of `client(n)` for request n, time moving on by `step` per request.
    func timeRecords(_ name: String, _ client: (Int) -> IPAddress) -> WindowRecorder {
        let recorder = WindowRecorder(windows: windows, capacity: 500_000)
        var now = epoch
        _ = measure(name, iterations: 2_000_000) { i in
            now += step
            recorder.record(route: 3, client: client(i), now: now)
            return i % requestsPerDrain == 0 ? recorder.drain().partials.count & 1 : 0
        }
        return recorder
    }
    let address = IPAddress("203.0.113.7")!
    _ = timeRecords("tuning record, 1 client (2 rules x 5 windows, drain amortized)") { _ in address }
    let clients = 100_000
    let many = timeRecords("tuning record, 100,000 distinct clients (2 rules x 5 windows, drain amortized)") { i in
        client((i &* 7_919) % clients)
    }
    let last = many.drain()
    print("tuning recorder after 100,000 clients: \(many.liveEntries) live entries, "
        + "\(last.evictions) evictions and \(last.dropped) dropped since the last drain")
}

// `LimiterBenchmarks tuning`: only the tuning recorder's figures.
if CommandLine.arguments.count == 2, CommandLine.arguments[1] == "tuning" {
    benchmarkTuningRecorder()
    exit(0)
}

// `LimiterBenchmarks allocations N`: only N decisions, route matches and header renderings, for running
// under heaptrack/valgrind: if the allocation count does not grow with N, the hot path does not allocate.
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "allocations",
   let n = Int(CommandLine.arguments[2]) {
    let limiter = RateLimiter(rules: config(maxBuckets: 1_000))
    var buffer: [UInt8] = []
    buffer.reserveCapacity(1024)
    let address = IPAddress("2001:db8::7")!
    var sink = 0
    for i in 0..<n {
        let route = limiter.match(method: "PATCH", path: "/guilds/1234567890")
        let decision = limiter.check(client: address, route: route, now: epoch + Int64(i))
        buffer.removeAll(keepingCapacity: true)
        RateLimitHeaders.write(decision, into: &buffer)
        RateLimitHeaders.writeRejectionBody(decision, into: &buffer)
        sink &+= buffer.count
    }
    print("\(n) decisions, checksum \(sink & 0xFF)")
    exit(0)
}

// `LimiterBenchmarks decisions N`: only N decisions on one client, for `perf record`.
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "decisions", let n = Int(CommandLine.arguments[2]) {
    let limiter = RateLimiter(rules: config(maxBuckets: 1_000))
    let route = limiter.match(method: "GET", path: "/guilds/1")
    var sink: Int64 = 0
    for i in 0..<n { sink &+= limiter.check(client: .v4(0xC000_0201), route: route, now: epoch + Int64(i)).remaining }
    print("\(n) decisions, checksum \(sink & 0xFF)")
    exit(0)
}

// 1 live bucket pair.
do {
    let limiter = RateLimiter(rules: config(maxBuckets: 2_000_000))
    let route = limiter.match(method: "GET", path: "/guilds/123")
    let address = IPAddress("203.0.113.7")!
    _ = measure("decision, 1 client (2 live buckets)", iterations: 2_000_000) { i in
        Int(limiter.check(client: address, route: route, now: epoch + Int64(i)).remaining & 1)
    }
    _ = measure("route match, GET /guilds/{id}/preview", iterations: 2_000_000) { i in
        limiter.match(method: "GET", path: "/guilds/1234567890/preview").index &+ i & 1
    }
    let decision = limiter.check(client: address, route: route, now: epoch)
    var buffer: [UInt8] = []
    buffer.reserveCapacity(512)
    _ = measure("header rendering (write into [UInt8])", iterations: 1_000_000) { _ in
        buffer.removeAll(keepingCapacity: true)
        RateLimitHeaders.write(decision, into: &buffer)
        return buffer.count
    }
}

// 1,000,000 live buckets: 500,000 clients x (global + route).
do {
    let clients = 500_000
    let before = residentBytes()
    let limiter = RateLimiter(rules: config(maxBuckets: 1_000_000))
    let route = limiter.routes.defaultMatch
    for n in 0..<clients { _ = limiter.check(client: client(n), route: route, now: epoch) }
    let after = residentBytes()
    let stats = limiter.stats
    print("live buckets: \(stats.liveBuckets), evictions: \(stats.evictions)")
    if before > 0 {
        print("resident memory: \((after - before) / 1_048_576) MiB for \(stats.liveBuckets) buckets, "
            + "\((after - before) / max(1, stats.liveBuckets)) bytes/bucket "
            + "(estimate from layouts: \(MemoryRateLimitStore.estimatedBytesPerBucket))")
    }
    // Visit the clients in a scattered order so most lookups miss the CPU caches.
    _ = measure("decision, 1,000,000 live buckets (random client)", iterations: 1_000_000) { i in
        let n = (i &* 7_919) % clients
        return Int(limiter.check(client: client(n), route: route, now: epoch + Int64(i)).remaining & 1)
    }
    // A flood of new addresses at the cap: every decision evicts two buckets.
    _ = measure("decision, flood of new clients at the cap (evicting)", iterations: 1_000_000, rounds: 3) { i in
        Int(limiter.check(client: .v6(high: 0x2001_0db8_0000_0000, low: UInt64(i) &+ 1 << 40), route: route,
                          now: epoch + 1).remaining & 1)
    }
    print("after flood: \(limiter.stats.liveBuckets) live, \(limiter.stats.evictions) evictions, "
        + "resident \(residentBytes() / 1_048_576) MiB")
}

benchmarkTuningRecorder()
