import EdgeCore
import Synchronization

/// The local pre-check: buckets that a recent store answer showed to be over their limit, kept until the
/// instant a request can pass again, so that a client hammering a full bucket is rejected without a round
/// trip.
///
/// Exact for the fixed window and GCRA: while such a bucket is full, no request anywhere in the fleet can be
/// counted in it, so its state cannot change, and the store's answer at a later `now` is the cached one with
/// `retryAfter` shortened by the time passed. (The sliding window's pass time is an estimate, so its buckets
/// always ask the store.) Sharded `Mutex`es around small dictionaries, bounded by `capacity` entries: a full
/// shard first drops expired entries, then simply does not cache.
final class BlockedBucketCache: Sendable {
    struct Key: Hashable, Sendable {
        var bucket: BucketKey
        var parameters: LimitParameters
    }

    struct Blocked: Sendable {
        /// When a request can pass again (now + retryAfter at the store's answer).
        var until: Int64
        var resetAt: Int64
    }

    final class Shard: Sendable {
        let table = Mutex<[Key: Blocked]>([:])
    }

    private let shards: [Shard]
    private let capacityPerShard: Int

    init(capacity: Int, shardCount: Int = 16) {
        shards = (0..<shardCount).map { _ in Shard() }
        capacityPerShard = max(1, capacity / shardCount)
    }

    static func isCacheable(_ request: BucketRequest) -> Bool {
        request.parameters.algorithm != .slidingWindow && request.parameters.limit > 0
    }

    private func shard(_ key: Key) -> Shard {
        var hasher = Hasher()
        hasher.combine(key.bucket)
        return shards[Int(UInt(bitPattern: hasher.finalize()) % UInt(shards.count))]
    }

    /// The store's evaluation at `now` for a bucket known to be blocked, or nil.
    func evaluation(for request: BucketRequest, now: Int64) -> BucketEvaluation? {
        guard Self.isCacheable(request) else { return nil }
        let key = Key(bucket: request.key, parameters: request.parameters)
        return shard(key).table.withLock { table in
            guard let blocked = table[key] else { return nil }
            guard now < blocked.until else {
                table[key] = nil
                return nil
            }
            return BucketEvaluation(
                allowed: false, remaining: 0, resetAt: blocked.resetAt, retryAfter: blocked.until - now, counted: nil)
        }
    }

    /// Remembers a store answer that rejected.
    func learn(_ request: BucketRequest, _ evaluation: BucketEvaluation, now: Int64) {
        guard !evaluation.allowed, evaluation.retryAfter > 0, Self.isCacheable(request) else { return }
        let key = Key(bucket: request.key, parameters: request.parameters)
        let blocked = Blocked(until: now + evaluation.retryAfter, resetAt: evaluation.resetAt)
        let capacity = capacityPerShard
        shard(key).table.withLock { table in
            if table[key] == nil, table.count >= capacity {
                table = table.filter { $0.value.until > now }
                guard table.count < capacity else { return }
            }
            table[key] = blocked
        }
    }

    var count: Int { shards.reduce(0) { total, shard in total + shard.table.withLock { $0.count } } }
}
