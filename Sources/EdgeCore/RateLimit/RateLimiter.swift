/// The REST rate limiter (CONTRACT section 3): the global per-IP rule plus the matched route's rule, each a
/// bucket per client address, decided together; shadow rules watched beside them.
///
/// Time is passed in (`now`, nanoseconds since the Unix epoch), so tests drive it with a simulated clock.
/// `check` is synchronous, allocation-free and safe from any thread. For a store that answers
/// asynchronously, use `plan(client:route:now:)`, send its requests to the store, and build the decision
/// with `RateLimitPlan.decision(global:route:shadowWouldReject:)`: `check` is exactly that with the
/// in-memory store.
public final class RateLimiter: Sendable {
    public let routes: RouteTable
    /// Compiled rules by `LimitPolicy.index`: 0 = global, 1 = default, `i + 2` = `routes[i]`, then shadows.
    public let policies: [LimitPolicy]
    /// For each `RouteMatch.index`, the range of its shadow rules in `policies`.
    let shadowRanges: [Range<Int>]
    public let store: any RateLimitStore

    /// A limiter with an in-memory store bounded by `rules.maxBuckets`.
    public convenience init(rules: EdgeConfig.RateLimits) {
        self.init(rules: rules, store: MemoryRateLimitStore(maxBuckets: rules.maxBuckets))
    }

    /// Shadow rules beyond 64 per route are ignored (the would-reject mask has 64 bits); the config loader
    /// is expected to refuse them.
    public convenience init(rules: EdgeConfig.RateLimits, store: any RateLimitStore) {
        self.init(rules: rules, store: store, reusing: [:], firstNewIndex: 0)
    }

    /// The limiter of a reloaded config, on the previous limiter's store: a rule equal to one it had (same
    /// name, limit, window, algorithm and dry run) keeps its bucket index, so its buckets keep their counts;
    /// new or changed rules get indices never used before and start empty. Buckets of removed rules expire
    /// with their windows.
    public convenience init(rules: EdgeConfig.RateLimits, carryingOver previous: RateLimiter) {
        var reused: [RateLimitRule: UInt32] = [:]
        for policy in previous.policies { reused[policy.rule] = policy.index }
        let next = (previous.policies.map(\.index).max() ?? 0) + 1
        self.init(rules: rules, store: previous.store, reusing: reused, firstNewIndex: next)
    }

    private init(
        rules: EdgeConfig.RateLimits, store: any RateLimitStore, reusing reused: [RateLimitRule: UInt32],
        firstNewIndex: UInt32
    ) {
        routes = RouteTable(routes: rules.routes, defaultRule: rules.default)
        var nextIndex = firstNewIndex
        var taken = Set<UInt32>()
        var policies: [LimitPolicy] = []
        func compile(_ rule: RateLimitRule) {
            let index: UInt32
            if let old = reused[rule], !taken.contains(old) {
                index = old
            } else if reused.isEmpty {
                index = UInt32(policies.count)  // a fresh limiter: indices are positions
            } else {
                index = nextIndex
                nextIndex += 1
            }
            taken.insert(index)
            policies.append(LimitPolicy(rule: rule, index: index))
        }
        compile(rules.global)
        compile(rules.default)
        for route in rules.routes { compile(route.rule) }
        var shadowRanges: [Range<Int>] = [policies.count..<policies.count]
        for route in rules.routes {
            let start = policies.count
            for shadow in route.shadows.prefix(64) {
                var rule = shadow
                rule.dryRun = true
                compile(rule)
            }
            shadowRanges.append(start..<policies.count)
        }
        self.policies = policies
        self.shadowRanges = shadowRanges
        self.store = store
    }

    /// The global rule's compiled form.
    public var global: LimitPolicy { policies[0] }

    /// The compiled rule of a matched route.
    public func policy(for route: RouteMatch) -> LimitPolicy { policies[route.index + 1] }

    /// The route of a request (see `RouteTable.match`).
    public func match(method: String, path: Substring) -> RouteMatch {
        routes.match(method: method, path: path)
    }

    /// The buckets a request touches, for stores that answer asynchronously.
    public func plan(client: IPAddress, route: RouteMatch, now: Int64) -> RateLimitPlan {
        RateLimitPlan(
            client: client, global: policies[0], route: policies[route.index + 1],
            shadows: policies[shadowRanges[route.index]], now: now)
    }

    /// Decides one request: global and route buckets are evaluated together and counted only if both let it
    /// through; every shadow rule of the route is evaluated (and counted when it would pass) on its own.
    public func check(client: IPAddress, route: RouteMatch, now: Int64) -> RateLimitDecision {
        // The same steps as `plan` + `RateLimitPlan.decision`, without building the plan (fewer retains).
        let global = policies[0]
        let routePolicy = policies[route.index + 1]
        let (g, r) = store.acquire(global.request(for: client), routePolicy.request(for: client), now: now)
        var shadowBits: UInt64 = 0
        let shadows = shadowRanges[route.index]
        var bit: UInt64 = 1
        for index in shadows {
            if !store.acquire(policies[index].request(for: client), now: now).allowed { shadowBits |= bit }
            bit <<= 1
        }
        return RateLimitPlan.decision(
            client: client, now: now, global: global, g, route: routePolicy, r, shadowWouldReject: shadowBits)
    }

    /// Drops expired buckets (call every few seconds off the request path); returns how many.
    @discardableResult
    public func sweep(now: Int64) -> Int { store.sweep(now: now) }

    public var stats: RateLimitStoreStats { store.stats }
}
