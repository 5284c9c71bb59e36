/// The buckets one request touches, prepared by `RateLimiter.plan` for a store that answers later
/// (asynchronously): the global and route buckets go to the store together, each shadow alone.
public struct RateLimitPlan: Sendable {
    public var client: IPAddress
    public var global: LimitPolicy
    public var route: LimitPolicy
    /// Shadow rules of the route, in order (bit i of `shadowWouldReject` is `shadows[i]`).
    public var shadows: ArraySlice<LimitPolicy>
    public var now: Int64

    public var globalRequest: BucketRequest { global.request(for: client) }
    public var routeRequest: BucketRequest { route.request(for: client) }
    public func shadowRequest(_ i: Int) -> BucketRequest { shadows[shadows.startIndex + i].request(for: client) }

    /// The decision once the store has answered.
    public func decision(
        global g: BucketEvaluation, route r: BucketEvaluation, shadowWouldReject: UInt64 = 0
    ) -> RateLimitDecision {
        RateLimitPlan.decision(
            client: client, now: now, global: global, g, route: route, r, shadowWouldReject: shadowWouldReject)
    }

    static func decision(
        client: IPAddress, now: Int64, global: LimitPolicy, _ g: BucketEvaluation, route: LimitPolicy,
        _ r: BucketEvaluation, shadowWouldReject: UInt64
    ) -> RateLimitDecision {
        let globalRejects = !g.allowed && !global.dryRun
        let routeRejects = !r.allowed && !route.dryRun
        let outcome: RateLimitDecision.Outcome =
            globalRejects || routeRejects ? .rejected : (g.allowed && r.allowed ? .allowed : .allowedDryRun)
        let reportGlobal = globalRejects
        let reported = reportGlobal ? g : r
        // A dry-run bucket over its limit reports 0 left but no wait; an enforced rejection reports the wait.
        let retryAfter = outcome == .rejected ? reported.retryAfter : 0
        return RateLimitDecision(
            outcome: outcome, isGlobal: reportGlobal, policy: reportGlobal ? global : route, client: client,
            remaining: reported.remaining, resetAt: reported.resetAt, retryAfter: retryAfter, now: now,
            globalWouldReject: !g.allowed, routeWouldReject: !r.allowed, shadowWouldReject: shadowWouldReject)
    }
}
