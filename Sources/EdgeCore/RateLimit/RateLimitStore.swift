/// One bucket to check: its key, its rule's numbers, and whether the rule is dry run (never rejects).
public struct BucketRequest: Hashable, Sendable {
    public var key: BucketKey
    public var parameters: LimitParameters
    public var dryRun: Bool

    public init(key: BucketKey, parameters: LimitParameters, dryRun: Bool) {
        self.key = key
        self.parameters = parameters
        self.dryRun = dryRun
    }
}

/// Counters of a bucket store.
public struct RateLimitStoreStats: Hashable, Sendable {
    /// Buckets held now.
    public var liveBuckets: Int
    /// Live buckets dropped to stay within `maxBuckets` (least recently used first).
    public var evictions: Int
    /// Buckets dropped because their window had passed (lazily on lookup, by `sweep`, or when chosen as
    /// the least recently used one anyway).
    public var expirations: Int

    public init(liveBuckets: Int = 0, evictions: Int = 0, expirations: Int = 0) {
        self.liveBuckets = liveBuckets
        self.evictions = evictions
        self.expirations = expirations
    }
}

/// Where buckets live. The in-memory store answers synchronously on the event loop; a shared store (Redis)
/// cannot, so it conforms to `AsyncRateLimitStore` instead and the proxy uses the two-step API of
/// `RateLimiter` (`plan`, then the store, then `decision`). Both protocols have the same semantics:
///
/// `acquire(_:_:now:)` evaluates both buckets and counts a request in both only when both pass (a dry-run
/// bucket always passes but is not counted past its limit). A rejected request counts against nothing.
/// It must be atomic across the two buckets (a Redis store does it in one Lua script).
public protocol RateLimitStore: Sendable {
    func acquire(_ first: BucketRequest, _ second: BucketRequest, now: Int64) -> (BucketEvaluation, BucketEvaluation)
    /// One bucket alone (shadow rules): counted when its own rule would let it pass.
    func acquire(_ single: BucketRequest, now: Int64) -> BucketEvaluation
    /// Drops expired buckets; returns how many.
    @discardableResult func sweep(now: Int64) -> Int
    var stats: RateLimitStoreStats { get }
}

/// The asynchronous counterpart of `RateLimitStore`, for stores behind a network round trip.
public protocol AsyncRateLimitStore: Sendable {
    func acquire(
        _ first: BucketRequest, _ second: BucketRequest, now: Int64
    ) async throws -> (BucketEvaluation, BucketEvaluation)
    func acquire(_ single: BucketRequest, now: Int64) async throws -> BucketEvaluation
}

extension BucketEvaluation {
    /// Whether this bucket lets the request through once dry run is taken into account.
    func passes(dryRun: Bool) -> Bool { allowed || dryRun }

    /// The pair rule shared by every store: both pass, or neither is counted.
    static func pair(
        _ first: BucketRequest, _ firstState: BucketState?,
        _ second: BucketRequest, _ secondState: BucketState?, now: Int64
    ) -> (BucketEvaluation, BucketEvaluation, commit: Bool) {
        let a = BucketEvaluation.evaluate(first.parameters, state: firstState, now: now)
        let b = BucketEvaluation.evaluate(second.parameters, state: secondState, now: now)
        return (a, b, a.passes(dryRun: first.dryRun) && b.passes(dryRun: second.dryRun))
    }
}
