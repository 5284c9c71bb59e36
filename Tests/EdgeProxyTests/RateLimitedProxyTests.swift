import AsyncHTTPClient
import EdgeCore
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@testable import EdgeProxy

/// The contract's rate limiting (CONTRACT section 3) end to end: a real HTTP client, the real limiter,
/// a counting upstream, and a stepped clock.
@Suite struct RateLimitedProxyTests {
    static let start = 1_700_000_000.25

    static func rules(global: Int = 1000, routeLimit: Int = 5, per: ConfigDuration = .minutes(1)) -> EdgeConfig.RateLimits {
        var rules = EdgeConfig.RateLimits()
        rules.global = RateLimitRule(name: "GLOBAL", limit: global, per: .seconds(1))
        rules.default = RateLimitRule(name: "default", limit: 30, per: .seconds(10))
        rules.routes = [
            RouteRule(method: "POST", path: "/users/@me", rule: RateLimitRule(name: "users.create", limit: routeLimit, per: per)),
            RouteRule(method: "PATCH", path: "/guilds/{guild_id}", rule: RateLimitRule(name: "guilds.edit", limit: 10, per: .seconds(10))),
        ]
        return rules
    }

    struct Setup {
        let upstream: TestUpstream
        let proxy: ProxyHarness
        let client: HTTPClient
        let clock: TestClock

        func send(_ method: HTTPMethod = .POST, _ path: String = "/users/@me", host: String = "127.0.0.1",
                  headers: [(String, String)] = []) async throws -> (HTTPClientResponse, String) {
            let hostPart = host.contains(":") ? "[\(host)]" : host
            var request = HTTPClientRequest(url: "http://\(hostPart):\(proxy.port)\(path)")
            request.method = method
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            let response = try await client.execute(request, timeout: .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (response, String(buffer: body))
        }

        func stop() async throws {
            try await client.shutdown()
            await proxy.stop()
            await upstream.stop()
        }
    }

    static func setUp(rules: EdgeConfig.RateLimits = rules(), trusted: [CIDR] = [], host: String = "127.0.0.1")
        async throws -> Setup
    {
        let clock = TestClock(seconds: start)
        let upstream = try await TestUpstream.start()
        let admitter = RateLimitAdmitter(
            limiter: RateLimiter(rules: rules), resolver: ClientAddressResolver(trustedProxies: trusted)
        )
        let proxy = try await ProxyHarness.start(
            upstreamPorts: [upstream.port], admitter: admitter, trusted: trusted, host: host, clock: clock.closure
        )
        return Setup(upstream: upstream, proxy: proxy, client: HTTPClient(eventLoopGroupProvider: .singleton), clock: clock)
    }

    @Test func headersCountDownThenTheSixthIs429AndNeverReachesTheUpstream() async throws {
        let setup = try await Self.setUp()
        for i in 1...5 {
            let (response, _) = try await setup.send()
            #expect(response.status == .ok)
            #expect(response.headers["X-RateLimit-Bucket"] == ["LIMITER/127.0.0.1/users.create/5/1/minute"])
            #expect(response.headers["X-RateLimit-Limit"] == ["5"])
            #expect(response.headers["X-RateLimit-Remaining"] == ["\(5 - i)"])
            #expect(response.headers["X-RateLimit-Reset"] == ["1700000061"])
            #expect(response.headers["X-RateLimit-Retry-After"] == ["0"])
            #expect(response.headers["X-RateLimit-Reset-After"] == ["60"])
            #expect(response.headers["X-RateLimit-Global"].isEmpty)
        }
        setup.clock.advance(seconds: 10)
        let (rejected, body) = try await setup.send()
        #expect(rejected.status == .tooManyRequests)
        #expect(rejected.headers["Content-Type"] == ["application/json"])
        #expect(rejected.headers["Retry-After"] == ["50"])
        #expect(rejected.headers["X-RateLimit-Remaining"] == ["0"])
        #expect(rejected.headers["X-RateLimit-Retry-After"] == ["50"])
        #expect(rejected.headers["X-RateLimit-Reset-After"] == ["50"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])
        #expect(json["message"] as? String == "You are being rate limited.")
        #expect(json["retry_after"] as? Double == 50)
        #expect(json["global"] as? Bool == false)
        #expect(json["bucket"] as? String == "LIMITER/127.0.0.1/users.create/5/1/minute")
        #expect(body.hasPrefix("{\"message\": \"You are being rate limited.\", \"retry_after\": "))
        #expect(setup.upstream.requestCount == 5)

        // A rejected request does not count; after the reset the bucket passes again.
        setup.clock.advance(seconds: 50)
        let (again, _) = try await setup.send()
        #expect(again.status == .ok)
        #expect(again.headers["X-RateLimit-Remaining"] == ["4"])
        #expect(setup.upstream.requestCount == 6)
        try await setup.stop()
    }

    @Test func globalRuleRejectsWithGlobalBucket() async throws {
        let setup = try await Self.setUp(rules: Self.rules(global: 2))
        _ = try await setup.send(.PATCH, "/guilds/1")
        _ = try await setup.send(.PATCH, "/guilds/2")
        let (response, body) = try await setup.send(.PATCH, "/guilds/3")
        #expect(response.status == .tooManyRequests)
        #expect(response.headers["X-RateLimit-Global"] == ["true"])
        #expect(response.headers["X-RateLimit-Bucket"] == ["LIMITER/127.0.0.1/GLOBAL/2/1/second"])
        #expect(body.contains("\"global\": true"))
        #expect(setup.upstream.requestCount == 2)
        try await setup.stop()
    }

    @Test func unmatchedRoutesUseTheDefaultRule() async throws {
        let setup = try await Self.setUp()
        let (response, _) = try await setup.send(.GET, "/nothing/here?x=1")
        #expect(response.headers["X-RateLimit-Bucket"] == ["LIMITER/127.0.0.1/default/30/10/second"])
        try await setup.stop()
    }

    @Test func ipv6ClientsGetTheirOwnBucket() async throws {
        let setup = try await Self.setUp(host: "::1")
        let (response, _) = try await setup.send(host: "::1")
        #expect(response.headers["X-RateLimit-Bucket"] == ["LIMITER/::1/users.create/5/1/minute"])
        try await setup.stop()
    }

    @Test func spoofedForwardedForFromAnUntrustedPeerChangesNothing() async throws {
        let setup = try await Self.setUp()
        for i in 1...5 {
            let (response, _) = try await setup.send(headers: [("X-Forwarded-For", "198.51.100.\(i)")])
            #expect(response.headers["X-RateLimit-Bucket"] == ["LIMITER/127.0.0.1/users.create/5/1/minute"])
        }
        let (response, _) = try await setup.send(headers: [("X-Forwarded-For", "198.51.100.99")])
        #expect(response.status == .tooManyRequests)
        try await setup.stop()
    }

    @Test func trustedPeerForwardedForSeparatesClients() async throws {
        let setup = try await Self.setUp(trusted: [CIDR("127.0.0.0/8")!])
        for _ in 1...5 {
            let (response, _) = try await setup.send(headers: [("X-Forwarded-For", "203.0.113.7")])
            #expect(response.status == .ok)
            #expect(response.headers["X-RateLimit-Bucket"] == ["LIMITER/203.0.113.7/users.create/5/1/minute"])
        }
        let (limited, _) = try await setup.send(headers: [("X-Forwarded-For", "203.0.113.7")])
        #expect(limited.status == .tooManyRequests)
        // Another client IP behind the same proxy has its own bucket.
        let (other, _) = try await setup.send(headers: [("X-Forwarded-For", "10.1.1.1, 203.0.113.8")])
        #expect(other.status == .ok)
        #expect(other.headers["X-RateLimit-Bucket"] == ["LIMITER/203.0.113.8/users.create/5/1/minute"])
        #expect(other.headers["X-RateLimit-Remaining"] == ["4"])
        try await setup.stop()
    }
}
