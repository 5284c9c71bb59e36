/// What the limiter decided for one request, and everything the response headers and metrics need.
///
/// A value without heap allocation: the reported rule is a reference to its precompiled `LimitPolicy`.
/// When the global rule rejects, it is the reported one (`isGlobal`); otherwise the route's rule is.
public struct RateLimitDecision: Sendable {
    public enum Outcome: Sendable, Hashable {
        /// Let through, and every rule agreed.
        case allowed
        /// Answer 429; nothing was counted.
        case rejected
        /// Let through, but a dry-run rule (global or route) would have rejected it.
        case allowedDryRun
    }

    public var outcome: Outcome
    /// The reported rule is the global one: only when the global rule rejects.
    public var isGlobal: Bool
    /// The reported rule.
    public var policy: LimitPolicy
    public var client: IPAddress
    /// Requests left in the reported bucket after counting this one; 0 when rejected or over a dry-run limit.
    public var remaining: Int64
    /// When the reported bucket frees, in nanoseconds since the Unix epoch.
    public var resetAt: Int64
    /// 0 when allowed; else nanoseconds until a retry can pass.
    public var retryAfter: Int64
    /// The decision's clock reading (nanoseconds since the Unix epoch).
    public var now: Int64
    /// The global rule would reject (or did): for metrics of dry-run rules.
    public var globalWouldReject: Bool
    /// The route rule would reject (or did).
    public var routeWouldReject: Bool
    /// Bit i set: the route's i-th shadow rule would have rejected this request.
    public var shadowWouldReject: UInt64

    public init(
        outcome: Outcome, isGlobal: Bool, policy: LimitPolicy, client: IPAddress, remaining: Int64,
        resetAt: Int64, retryAfter: Int64, now: Int64, globalWouldReject: Bool = false,
        routeWouldReject: Bool = false, shadowWouldReject: UInt64 = 0
    ) {
        self.outcome = outcome
        self.isGlobal = isGlobal
        self.policy = policy
        self.client = client
        self.remaining = remaining
        self.resetAt = resetAt
        self.retryAfter = retryAfter
        self.now = now
        self.globalWouldReject = globalWouldReject
        self.routeWouldReject = routeWouldReject
        self.shadowWouldReject = shadowWouldReject
    }

    public var isAllowed: Bool { outcome != .rejected }
    /// ROUTE_NAME of the reported bucket (`GLOBAL` for a global rejection).
    public var ruleName: String { policy.name }
    public var limit: Int { policy.rule.limit }
    /// The reported rule's window (`per`).
    public var window: ConfigDuration { policy.rule.per }
    /// Nanoseconds until the bucket frees.
    public var resetAfter: Int64 { max(0, resetAt - now) }
    /// `X-RateLimit-Reset`: the Unix second at which the bucket frees, rounded up.
    public var resetEpochSeconds: Int64 { ASCII.ceilDiv(resetAt, 1_000_000_000) }
    /// `X-RateLimit-Retry-After`: 0 when allowed, else whole seconds rounded up.
    public var retryAfterSeconds: Int64 { retryAfter <= 0 ? 0 : ASCII.ceilDiv(retryAfter, 1_000_000_000) }
    /// `X-RateLimit-Bucket`: `LIMITER/<client ip>/<ROUTE_NAME>/<limit>/<time>/<per>`.
    public var bucket: String {
        var bytes: [UInt8] = []
        RateLimitHeaders.appendBucket(self, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
