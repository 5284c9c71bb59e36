import Testing
@testable import EdgeCore

@Suite struct RateLimitFixedWindowTests {
    let client = ip("203.0.113.7")
    let route = RouteRule(method: "POST", path: "/users/@me", rule: rule("users.create", 5, .minutes(1)))

    func limiter() -> RateLimiter { RateLimiter(rules: limits(routes: [route])) }

    func match(_ limiter: RateLimiter) -> RouteMatch { limiter.match(method: "POST", path: "/users/@me") }

    @Test func exactlyLimitPassWithRemainingCountingDown() {
        let limiter = limiter()
        let start = epoch + 250_000_000
        for i in 0..<5 {
            let decision = limiter.check(client: client, route: match(limiter), now: start + Int64(i) * second)
            #expect(decision.outcome == .allowed)
            #expect(decision.remaining == Int64(4 - i))
            #expect(decision.retryAfterSeconds == 0)
            #expect(decision.resetAt == start + 60 * second)
            #expect(decision.ruleName == "users.create" && !decision.isGlobal)
        }
        let rejected = limiter.check(client: client, route: match(limiter), now: start + 10 * second)
        #expect(rejected.outcome == .rejected)
        #expect(rejected.remaining == 0)
        #expect(rejected.retryAfter == 50 * second)
        #expect(rejected.retryAfterSeconds == 50)
        #expect(rejected.resetEpochSeconds == 1_764_000_061)
        #expect(!rejected.isGlobal && !rejected.globalWouldReject && rejected.routeWouldReject)
    }

    @Test func windowEdgesToTheNanosecond() {
        let limiter = limiter()
        let start = epoch
        for _ in 0..<5 { _ = limiter.check(client: client, route: match(limiter), now: start) }
        let end = start + 60 * second
        let before = limiter.check(client: client, route: match(limiter), now: end - 1)
        #expect(before.outcome == .rejected)
        #expect(before.retryAfter == 1)
        #expect(before.retryAfterSeconds == 1)
        #expect(before.resetEpochSeconds == end / second)
        let at = limiter.check(client: client, route: match(limiter), now: end)
        #expect(at.outcome == .allowed)
        #expect(at.remaining == 4)
        #expect(at.resetAt == end + 60 * second)
        let after = limiter.check(client: client, route: match(limiter), now: end + 1)
        #expect(after.outcome == .allowed && after.remaining == 3)
        #expect(after.resetAt == end + 60 * second)
    }

    @Test func resetRoundsUpToTheSecond() {
        let limiter = limiter()
        let decision = limiter.check(client: client, route: match(limiter), now: epoch + 1)
        #expect(decision.resetEpochSeconds == epoch / second + 61)
        #expect(decision.resetAfter == 60 * second)
    }

    @Test func rejectedRequestsDoNotCount() {
        let limiter = limiter()
        for _ in 0..<5 { _ = limiter.check(client: client, route: match(limiter), now: epoch) }
        for t in 1...100 {
            #expect(limiter.check(client: client, route: match(limiter), now: epoch + Int64(t) * 100_000_000)
                .outcome == .rejected)
        }
        // The window still opened at the first request, not at a rejected one.
        #expect(limiter.check(client: client, route: match(limiter), now: epoch + 60 * second).remaining == 4)
    }

    @Test func bucketsArePerClientAndPerRule() {
        let limiter = limiter()
        for _ in 0..<5 { _ = limiter.check(client: client, route: match(limiter), now: epoch) }
        #expect(limiter.check(client: client, route: match(limiter), now: epoch).outcome == .rejected)
        #expect(limiter.check(client: ip("203.0.113.8"), route: match(limiter), now: epoch).outcome == .allowed)
        let other = limiter.match(method: "GET", path: "/anything")
        #expect(limiter.check(client: client, route: other, now: epoch).outcome == .allowed)
    }

    @Test func zeroLimitRejectsEverything() {
        let limiter = RateLimiter(rules: limits(default: rule("default", 0, .seconds(10))))
        let decision = limiter.check(client: client, route: limiter.routes.defaultMatch, now: epoch)
        #expect(decision.outcome == .rejected && decision.retryAfterSeconds == 10)
    }
}
