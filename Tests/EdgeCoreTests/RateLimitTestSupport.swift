@testable import EdgeCore

/// Nanoseconds per second, for readable test clocks.
let second: Int64 = 1_000_000_000
/// A whole-second instant well inside the Unix epoch range (2025-11-24T16:00:00Z).
let epoch: Int64 = 1_764_000_000 * second

/// A deterministic RNG (SplitMix64) so statistical tests give the same numbers on every run.
struct SeededGenerator: RandomNumberGenerator {
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

func rule(
    _ name: String, _ limit: Int, _ per: ConfigDuration, _ algorithm: RateLimitAlgorithm = .fixedWindow,
    dryRun: Bool = false
) -> RateLimitRule {
    RateLimitRule(name: name, limit: limit, per: per, algorithm: algorithm, dryRun: dryRun)
}

func limits(
    global: RateLimitRule = rule("GLOBAL", 1000, .seconds(1)),
    default defaultRule: RateLimitRule = rule("default", 30, .seconds(10)),
    routes: [RouteRule] = [],
    maxBuckets: Int = 10_000
) -> EdgeConfig.RateLimits {
    var config = EdgeConfig.RateLimits()
    config.global = global
    config.default = defaultRule
    config.routes = routes
    config.maxBuckets = maxBuckets
    return config
}

func ip(_ text: String) -> IPAddress { IPAddress(text)! }
