import EdgeCore
import NIOCore
import NIOEmbedded
import NIOPosix
import Testing

@testable import EdgeRedis

/// `decide(_:on:)` gives the decision `RateLimiter.check` gives with the memory store: same outcome, same
/// reported bucket and numbers, same shadow bits.
@Suite("Decisions from a plan")
struct PlanDecisionTests {
    static func rules() -> EdgeConfig.RateLimits {
        var rules = EdgeConfig.RateLimits()
        rules.global = RateLimitRule(name: "GLOBAL", limit: 6, per: .seconds(1))
        rules.default = RateLimitRule(name: "default", limit: 30, per: .seconds(10))
        rules.routes = [
            RouteRule(
                method: "POST", path: "/users/@me",
                rule: RateLimitRule(name: "users.create", limit: 3, per: .minutes(1)),
                shadows: [
                    RateLimitRule(name: "users.create.tight", limit: 1, per: .minutes(1)),
                    RateLimitRule(name: "users.create.gcra", limit: 2, per: .seconds(10), algorithm: .tokenBucket),
                ]),
            RouteRule(
                method: "GET", path: "/guilds/{id}",
                rule: RateLimitRule(name: "guilds.get", limit: 4, per: .seconds(5), algorithm: .slidingWindow)),
        ]
        return rules
    }

    static func compare(store: some EventLoopRateLimitStore, on loop: any EventLoop) async throws {
        let rules = rules()
        let reference = RateLimiter(rules: rules)
        let planner = RateLimiter(rules: rules)
        let client = IPAddress("203.0.113.80")!
        var now: Int64 = 1_764_000_000_000_000_000
        let requests: [(String, Substring)] = [("POST", "/users/@me"), ("GET", "/guilds/1"), ("GET", "/nothing")]
        for step in 0..<60 {
            now += Int64(step % 7) * 90_000_000
            let (method, path) = requests[step % requests.count]
            let route = reference.match(method: method, path: path)
            let expected = reference.check(client: client, route: route, now: now)
            let actual = try await store.decide(planner.plan(client: client, route: route, now: now), on: loop).get()
            #expect(actual.outcome == expected.outcome, "step \(step)")
            #expect(actual.isGlobal == expected.isGlobal && actual.ruleName == expected.ruleName, "step \(step)")
            #expect(actual.remaining == expected.remaining && actual.resetAt == expected.resetAt, "step \(step)")
            #expect(actual.retryAfter == expected.retryAfter, "step \(step)")
            #expect(actual.shadowWouldReject == expected.shadowWouldReject, "step \(step)")
        }
    }

    @Test("through the failover store with a healthy shared store")
    func failover() async throws {
        let loop = EmbeddedEventLoop()
        var options = FailoverRateLimitStore.Options(policy: .deny)
        options.preCheck = false
        let store = FailoverRateLimitStore(
            primary: ScriptedStore(), localStore: MemoryRateLimitStore(maxBuckets: 100), options: options,
            eventLoopGroup: loop)
        // The embedded loop runs its work inline, so the futures are complete when `decide` returns.
        try await Self.compare(store: store, on: loop)
    }

    @Test("through Redis", TestRedis.enabled)
    func redis() async throws {
        let (store, group) = try TestRedis.store(layout: TestRedis.layout())
        try await Self.compare(store: store, on: group.next())
        try await TestRedis.close(store, group)
    }
}
