/// The numbers an algorithm needs: `limit` requests per `period` nanoseconds.
public struct LimitParameters: Hashable, Sendable {
    public var limit: Int64
    /// The window (`per`) in nanoseconds, at least 1.
    public var period: Int64
    public var algorithm: RateLimitAlgorithm

    public init(limit: Int64, period: Int64, algorithm: RateLimitAlgorithm) {
        self.limit = limit
        self.period = max(1, period)
        self.algorithm = algorithm
    }

    public init(_ rule: RateLimitRule) {
        self.init(limit: Int64(rule.limit), period: rule.per.nanoseconds, algorithm: rule.algorithm)
    }
}

/// What a store keeps per bucket: two algorithm-defined words and the instant the bucket becomes
/// equivalent to a fresh one (so it can be dropped). 24 bytes.
///
/// - fixed window: `first` = window start, `second` = requests counted in it
/// - token bucket (GCRA): `first` = theoretical arrival time
/// - sliding window: `first` = current window start, `second` = previous count << 32 | current count
public struct BucketState: Hashable, Sendable {
    public var first: Int64
    public var second: Int64
    /// From this instant (nanoseconds since the epoch) on, the bucket behaves like a fresh one.
    public var expiresAt: Int64

    public init(first: Int64, second: Int64, expiresAt: Int64) {
        self.first = first
        self.second = second
        self.expiresAt = expiresAt
    }
}

/// One bucket's verdict on one request, with the numbers the headers report. All times in nanoseconds.
public struct BucketEvaluation: Hashable, Sendable {
    /// Whether the rule lets the request through (for a dry-run rule: whether it *would*).
    public var allowed: Bool
    /// Requests left after counting this one; 0 when not allowed.
    public var remaining: Int64
    /// When the bucket is entirely free again (nanoseconds since the epoch).
    public var resetAt: Int64
    /// 0 when allowed; else how long until a retry can pass.
    public var retryAfter: Int64
    /// The state to store when the request is counted (unchanged state when not allowed).
    public var counted: BucketState?

    public init(allowed: Bool, remaining: Int64, resetAt: Int64, retryAfter: Int64, counted: BucketState?) {
        self.allowed = allowed
        self.remaining = remaining
        self.resetAt = resetAt
        self.retryAfter = retryAfter
        self.counted = counted
    }

    /// Evaluates `state` (nil: a fresh bucket) with the rule's algorithm. Pure: the caller stores `counted`.
    public static func evaluate(_ parameters: LimitParameters, state: BucketState?, now: Int64) -> BucketEvaluation {
        guard parameters.limit > 0 else {
            return BucketEvaluation(
                allowed: false, remaining: 0, resetAt: now + parameters.period, retryAfter: parameters.period,
                counted: nil)
        }
        // An expired state is a fresh bucket, whether or not the store dropped it yet.
        let live = state.flatMap { $0.expiresAt > now ? $0 : nil }
        switch parameters.algorithm {
        case .fixedWindow: return FixedWindow.evaluate(parameters, state: live, now: now)
        case .tokenBucket: return TokenBucket.evaluate(parameters, state: live, now: now)
        case .slidingWindow: return SlidingWindow.evaluate(parameters, state: live, now: now)
        }
    }
}
