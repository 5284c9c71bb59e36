import Testing

@testable import EdgeCore

/// A reload keeps the buckets of unchanged rules and starts changed or new rules afresh.
@Suite struct RateLimiterReloadTests {
    static func rules(createLimit: Int, editLimit: Int = 10) -> EdgeConfig.RateLimits {
        var rules = EdgeConfig.RateLimits()
        rules.routes = [
            RouteRule(method: "POST", path: "/users/@me", rule: RateLimitRule(name: "users.create", limit: createLimit, per: .minutes(1))),
            RouteRule(method: "PATCH", path: "/guilds/{id}", rule: RateLimitRule(name: "guilds.edit", limit: editLimit, per: .minutes(1))),
        ]
        return rules
    }

    @Test func unchangedRulesKeepTheirCountsChangedOnesStartEmpty() {
        let client = IPAddress("203.0.113.7")!
        let now: Int64 = 1_700_000_000_000_000_000
        let before = RateLimiter(rules: Self.rules(createLimit: 5))
        let create = before.match(method: "POST", path: "/users/@me")
        let edit = before.match(method: "PATCH", path: "/guilds/1")
        for _ in 0..<3 { _ = before.check(client: client, route: create, now: now) }
        for _ in 0..<4 { _ = before.check(client: client, route: edit, now: now) }

        // users.create changes (5 → 8); guilds.edit and the global rule don't.
        let after = RateLimiter(rules: Self.rules(createLimit: 8), carryingOver: before)
        let editAfter = after.check(client: client, route: after.match(method: "PATCH", path: "/guilds/1"), now: now)
        #expect(editAfter.remaining == 10 - 5)  // 4 before + this one
        let createAfter = after.check(client: client, route: after.match(method: "POST", path: "/users/@me"), now: now)
        #expect(createAfter.remaining == 8 - 1)  // a fresh bucket under the new limit
        #expect(createAfter.limit == 8)
        // The global bucket counted all 9 requests across the reload.
        #expect(after.policies[0].index == before.policies[0].index)
        #expect(Set(after.policies.map(\.index)).count == after.policies.count)
    }

    @Test func aRemovedThenReAddedRuleNeverAliasesAnotherRulesBuckets() {
        let first = RateLimiter(rules: Self.rules(createLimit: 5))
        let second = RateLimiter(rules: Self.rules(createLimit: 6), carryingOver: first)
        let third = RateLimiter(rules: Self.rules(createLimit: 7), carryingOver: second)
        let indices = [first, second, third].flatMap { $0.policies.filter { $0.name == "users.create" }.map(\.index) }
        #expect(Set(indices).count == 3)
    }
}
