import Testing
@testable import EdgeCore

@Suite struct RateLimitGlobalTests {
    let client = ip("198.51.100.4")

    @Test func globalRejectionIsReportedAsGlobal() {
        let limiter = RateLimiter(rules: limits(global: rule("GLOBAL", 3, .seconds(1))))
        let route = limiter.routes.defaultMatch
        for i in 0..<3 {
            let d = limiter.check(client: client, route: route, now: epoch)
            #expect(d.outcome == .allowed && !d.isGlobal && d.ruleName == "default" && d.remaining == Int64(29 - i))
        }
        let d = limiter.check(client: client, route: route, now: epoch + 500_000_000)
        #expect(d.outcome == .rejected && d.isGlobal && d.ruleName == "GLOBAL")
        #expect(d.limit == 3 && d.remaining == 0 && d.retryAfter == 500_000_000 && d.retryAfterSeconds == 1)
        #expect(d.bucket == "LIMITER/198.51.100.4/GLOBAL/3/1/second")
        // The global rejection did not count against the route: 27 left, the next one leaves 26.
        let next = limiter.check(client: client, route: route, now: epoch + second)
        #expect(next.outcome == .allowed && next.remaining == 26)
    }

    @Test func routeRejectionDoesNotCountGlobally() {
        let limiter = RateLimiter(rules: limits(
            global: rule("GLOBAL", 5, .seconds(10)), default: rule("default", 2, .seconds(10))))
        let route = limiter.routes.defaultMatch
        _ = limiter.check(client: client, route: route, now: epoch)
        _ = limiter.check(client: client, route: route, now: epoch)
        for _ in 0..<10 {
            let d = limiter.check(client: client, route: route, now: epoch)
            #expect(d.outcome == .rejected && !d.isGlobal && d.ruleName == "default")
        }
        // Another route still has 3 of the 5 global requests.
        let limiter2Route = RouteMatch(index: 0, name: "default")
        #expect(limiter2Route == route)
        #expect(limiter.stats.liveBuckets == 2)
    }

    @Test func globalIsSharedAcrossRoutes() {
        let routes = [
            RouteRule(method: nil, path: "/a", rule: rule("a", 100, .seconds(10))),
            RouteRule(method: nil, path: "/b", rule: rule("b", 100, .seconds(10))),
        ]
        let limiter = RateLimiter(rules: limits(global: rule("GLOBAL", 4, .seconds(10)), routes: routes))
        let a = limiter.match(method: "GET", path: "/a")
        let b = limiter.match(method: "GET", path: "/b")
        #expect(limiter.check(client: client, route: a, now: epoch).isAllowed)
        #expect(limiter.check(client: client, route: b, now: epoch).isAllowed)
        #expect(limiter.check(client: client, route: a, now: epoch).isAllowed)
        #expect(limiter.check(client: client, route: b, now: epoch).isAllowed)
        let d = limiter.check(client: client, route: a, now: epoch)
        #expect(!d.isAllowed && d.isGlobal)
    }

    @Test func whenBothRejectGlobalIsReported() {
        let limiter = RateLimiter(rules: limits(
            global: rule("GLOBAL", 1, .seconds(1)), default: rule("default", 1, .seconds(10))))
        _ = limiter.check(client: client, route: limiter.routes.defaultMatch, now: epoch)
        let d = limiter.check(client: client, route: limiter.routes.defaultMatch, now: epoch)
        #expect(d.isGlobal && d.globalWouldReject && d.routeWouldReject)
    }

    @Test func dryRunRouteNeverRejectsButReports() {
        let limiter = RateLimiter(rules: limits(default: rule("default", 2, .seconds(10), dryRun: true)))
        let route = limiter.routes.defaultMatch
        #expect(limiter.check(client: client, route: route, now: epoch).outcome == .allowed)
        #expect(limiter.check(client: client, route: route, now: epoch).outcome == .allowed)
        for _ in 0..<5 {
            let d = limiter.check(client: client, route: route, now: epoch + 1)
            #expect(d.outcome == .allowedDryRun && d.isAllowed && d.routeWouldReject && !d.globalWouldReject)
            #expect(d.remaining == 0 && d.retryAfterSeconds == 0 && d.resetAt == epoch + 10 * second)
        }
    }

    @Test func dryRunGlobalLetsTheRouteDecide() {
        let limiter = RateLimiter(rules: limits(
            global: rule("GLOBAL", 1, .seconds(10), dryRun: true), default: rule("default", 3, .seconds(10))))
        let route = limiter.routes.defaultMatch
        #expect(limiter.check(client: client, route: route, now: epoch).outcome == .allowed)
        let second = limiter.check(client: client, route: route, now: epoch)
        #expect(second.outcome == .allowedDryRun && second.globalWouldReject && !second.isGlobal)
        #expect(second.ruleName == "default" && second.remaining == 1)
        _ = limiter.check(client: client, route: route, now: epoch)
        let fourth = limiter.check(client: client, route: route, now: epoch)
        #expect(fourth.outcome == .rejected && !fourth.isGlobal && fourth.ruleName == "default")
    }

    @Test func shadowsNeverRejectAndReportTheirBits() {
        let route = RouteRule(
            method: nil, path: "/s", rule: rule("s", 100, .seconds(10)),
            shadows: [rule("s.tight", 2, .seconds(10)), rule("s.loose", 50, .seconds(10)),
                      rule("s.gcra", 3, .seconds(10), .tokenBucket)])
        let limiter = RateLimiter(rules: limits(routes: [route]))
        let match = limiter.match(method: "GET", path: "/s")
        var bits: [UInt64] = []
        for _ in 0..<4 {
            let d = limiter.check(client: client, route: match, now: epoch)
            #expect(d.outcome == .allowed && d.ruleName == "s")
            bits.append(d.shadowWouldReject)
        }
        #expect(bits == [0, 0, 0b001, 0b101])
        // Shadows do not apply to other routes.
        #expect(limiter.check(client: client, route: limiter.routes.defaultMatch, now: epoch).shadowWouldReject == 0)
        #expect(limiter.stats.liveBuckets == 2 + 3 + 1)
    }

    @Test func planThenDecisionMatchesCheck() {
        let limiter = RateLimiter(rules: limits(default: rule("default", 1, .seconds(10))))
        let store = MemoryRateLimitStore(maxBuckets: 100)
        let plan = limiter.plan(client: client, route: limiter.routes.defaultMatch, now: epoch)
        let (g, r) = store.acquire(plan.globalRequest, plan.routeRequest, now: epoch)
        let d = plan.decision(global: g, route: r)
        #expect(d.outcome == .allowed && d.remaining == 0)
        let (g2, r2) = store.acquire(plan.globalRequest, plan.routeRequest, now: epoch)
        #expect(plan.decision(global: g2, route: r2).outcome == .rejected)
    }
}
