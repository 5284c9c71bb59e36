/// How a rule counts requests. All keep the `X-RateLimit-*` meanings of CONTRACT section 3.
public enum RateLimitAlgorithm: String, Sendable, CaseIterable {
    /// The default: a window opens at the bucket's first counted request; exactly `limit` pass in it.
    case fixedWindow = "fixed_window"
    /// GCRA (a token bucket of `limit` tokens refilled evenly over `per`).
    case tokenBucket = "token_bucket"
    /// Sliding window log approximation: the previous window's count weighted by its overlap.
    case slidingWindow = "sliding_window"
}

/// One limit: `limit` requests per `per`, named for the bucket string.
public struct RateLimitRule: Hashable, Sendable {
    /// ROUTE_NAME in the bucket string: the route's name, `default`, or `GLOBAL` for the global rule.
    public var name: String
    public var limit: Int
    public var per: ConfigDuration
    public var algorithm: RateLimitAlgorithm
    /// Count and report "would reject", never reject.
    public var dryRun: Bool

    public init(
        name: String, limit: Int, per: ConfigDuration,
        algorithm: RateLimitAlgorithm = .fixedWindow, dryRun: Bool = false
    ) {
        self.name = name
        self.limit = limit
        self.per = per
        self.algorithm = algorithm
        self.dryRun = dryRun
    }
}

/// A route of the REST API: method (nil = any) + path template such as `/guilds/{guild_id}`, and its rule.
public struct RouteRule: Hashable, Sendable {
    public var method: String?
    public var path: String
    /// The enforced rule; its `name` is the ROUTE_NAME.
    public var rule: RateLimitRule
    /// Shadow (`dry_run`) candidates watched beside the enforced rule on the same route.
    public var shadows: [RateLimitRule]

    public init(method: String?, path: String, rule: RateLimitRule, shadows: [RateLimitRule] = []) {
        self.method = method
        self.path = path
        self.rule = rule
        self.shadows = shadows
    }

    public var name: String { rule.name }
}
