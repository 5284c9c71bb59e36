import AsyncHTTPClient
import EdgeCore
import EdgeRedis
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import EdgeProxy

/// Fleet mode through the proxy (issue 8): instances share exact limits through one Redis, and a dead
/// Redis is handled per `on_store_failure`. Needs `AYAKA_TEST_REDIS` (CI starts a redis-server).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["AYAKA_TEST_REDIS"] != nil, "set AYAKA_TEST_REDIS=redis://127.0.0.1:6390/0"))
struct FleetProxyTests {
    static func rules(store: String, policy: EdgeConfig.StoreFailurePolicy = .local) -> EdgeConfig.RateLimits {
        var rules = RateLimitedProxyTests.rules(routeLimit: 5)
        rules.store = .redis(url: store)
        rules.onStoreFailure = policy
        return rules
    }

    static func proxy(
        rules: EdgeConfig.RateLimits, upstream: Int, clock: TestClock, storeTimeout: TimeAmount = .seconds(5),
        breakerPeriod: TimeAmount = .seconds(1)
    ) async throws -> (ProxyHarness, FailoverRateLimitStore) {
        // Exactness tests get a generous store timeout so a loaded machine never turns into a fallback.
        var options = FailoverRateLimitStore.Options(policy: rules.onStoreFailure)
        options.storeTimeout = storeTimeout
        options.breakerPeriod = breakerPeriod
        let fleet = try #require(try FleetRateLimitStore.make(
            rules: rules, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, environment: [:], options: options))
        let trusted = [CIDR("127.0.0.0/8")!]
        let admitter = RateLimitAdmitter(
            limiter: RateLimiter(rules: rules, store: fleet.localStore),
            resolver: ClientAddressResolver(trustedProxies: trusted), fleet: fleet
        )
        let harness = try await ProxyHarness.start(
            upstreamPorts: [upstream], admitter: admitter, trusted: trusted, clock: clock.closure)
        return (harness, fleet)
    }

    static func post(_ port: Int, client: String) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/users/@me")
        request.method = .POST
        request.headers.add(name: "X-Forwarded-For", value: client)
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return response
    }

    @Test func twoInstancesShareExactLimits() async throws {
        let url = try #require(ProcessInfo.processInfo.environment["AYAKA_TEST_REDIS"])
        let upstream = try await TestUpstream.start()
        let clock = TestClock(seconds: Double(Int(Date().timeIntervalSince1970)) + 0.25)
        let (a, fleetA) = try await Self.proxy(rules: Self.rules(store: url), upstream: upstream.port, clock: clock)
        let (b, fleetB) = try await Self.proxy(rules: Self.rules(store: url), upstream: upstream.port, clock: clock)
        // A client address of its own per run, so earlier runs' buckets in Redis don't interfere.
        let client = "198.18.\(Int.random(in: 0...255)).\(Int.random(in: 1...254))"

        var statuses: [UInt] = []
        var remaining: [String] = []
        var resets = Set<String>()
        for i in 0..<8 {
            let response = try await Self.post(i % 2 == 0 ? a.port : b.port, client: client)
            statuses.append(response.status.code)
            remaining.append(response.headers["X-RateLimit-Remaining"].first ?? "?")
            resets.formUnion(response.headers["X-RateLimit-Reset"])
            #expect(response.headers["X-RateLimit-Bucket"] == ["LIMITER/\(client)/users.create/5/1/minute"])
        }
        #expect(statuses == [200, 200, 200, 200, 200, 429, 429, 429])
        #expect(remaining == ["4", "3", "2", "1", "0", "0", "0", "0"])
        #expect(resets.count == 1)  // the same window whichever instance answered
        #expect(upstream.requestCount == 5)

        await a.stop(); await b.stop(); await fleetA.shutdown(); await fleetB.shutdown(); await upstream.stop()
    }

    @Test(arguments: [EdgeConfig.StoreFailurePolicy.deny, .allow, .local])
    func deadRedisFollowsTheFailurePolicy(policy: EdgeConfig.StoreFailurePolicy) async throws {
        let dead = RefusedPort()
        let deadPort = dead.port
        let upstream = try await TestUpstream.start()
        let clock = TestClock(seconds: 1_700_000_000)
        let (proxy, fleet) = try await Self.proxy(
            rules: Self.rules(store: "redis://127.0.0.1:\(deadPort)/0", policy: policy), upstream: upstream.port,
            clock: clock, storeTimeout: .milliseconds(100), breakerPeriod: .seconds(60))
        var statuses: [UInt] = []
        for _ in 0..<7 { statuses.append(try await Self.post(proxy.port, client: "198.51.100.9").status.code) }
        switch policy {
        case .deny: #expect(statuses == Array(repeating: 503, count: 7))
        case .allow: #expect(statuses == Array(repeating: 200, count: 7))
        case .local: #expect(statuses == [200, 200, 200, 200, 200, 429, 429])  // per-instance limits
        }
        // A dead store is asked until the breaker opens (3 failures), then not again within the breaker
        // period: every request fell back, and only the first three reached the store.
        let stats = fleet.stats
        #expect(stats.fallbacks == 7)
        #expect(stats.storeCalls == 3)
        #expect(stats.breakerOpenings == 1)
        #expect(stats.breaker == .open)
        await proxy.stop(); await fleet.shutdown(); await upstream.stop()
        withExtendedLifetime(dead) {}
    }
}
