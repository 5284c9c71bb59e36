import Synchronization

/// The in-process bucket store: `BucketTable` shards, each behind its own `Mutex`, picked by a hash of the
/// bucket key. Memory is bounded by `maxBuckets` (split evenly over the shards, each evicting its least
/// recently used bucket), and buckets whose window has passed are dropped lazily and by `sweep(now:)`.
///
/// Why striped locks rather than lock-free: a decision must read and update two buckets atomically (the
/// global and the route bucket count together or not at all) and maintain an LRU list, which has no
/// practical lock-free form. With 64 shards, event loops on different threads rarely meet on one lock, and
/// every critical section is a dictionary lookup and a few array writes (no allocation, no I/O). Two shards
/// are always locked in index order, so there is no deadlock.
public final class MemoryRateLimitStore: RateLimitStore, AsyncRateLimitStore {
    final class Shard: Sendable {
        let table: Mutex<BucketTable>
        init(capacity: Int) { table = Mutex(BucketTable(capacity: capacity)) }
    }

    let shards: [Shard]
    private let shardMask: UInt64
    public let maxBuckets: Int

    /// `shardCount` is rounded to a power of two and reduced so each shard holds at least 16 buckets; the
    /// per-shard capacities add up to exactly `maxBuckets`.
    public init(maxBuckets: Int, shardCount: Int = 64) {
        let maxBuckets = max(1, maxBuckets)
        var count = 1
        while count * 2 <= max(1, shardCount), maxBuckets / (count * 2) >= 16 { count *= 2 }
        let base = maxBuckets / count
        let extra = maxBuckets % count
        shards = (0..<count).map { Shard(capacity: base + ($0 < extra ? 1 : 0)) }
        shardMask = UInt64(count - 1)
        self.maxBuckets = maxBuckets
    }

    func shardIndex(_ key: BucketKey) -> Int { Int(truncatingIfNeeded: key.shardHash & shardMask) }

    public func acquire(
        _ first: BucketRequest, _ second: BucketRequest, now: Int64
    ) -> (BucketEvaluation, BucketEvaluation) {
        let i = shardIndex(first.key)
        let j = shardIndex(second.key)
        if i == j {
            return shards[i].table.withLock { table in
                let a = table.lookup(first.key, now: now)
                let b = table.lookup(second.key, now: now)
                let (x, y, commit) = BucketEvaluation.pair(first, a.state, second, b.state, now: now)
                if commit {
                    if x.allowed, let state = x.counted { table.store(first.key, state, slot: a.slot, now: now) }
                    if y.allowed, let state = y.counted { table.store(second.key, state, slot: b.slot, now: now) }
                }
                return (x, y)
            }
        }
        // Lock the lower shard first so two decisions can never wait on each other.
        let (low, high) = i < j ? (i, j) : (j, i)
        return shards[low].table.withLock { lowTable in
            shards[high].table.withLock { highTable in
                if i < j {
                    return Self.acquire(first, in: &lowTable, second, in: &highTable, now: now)
                }
                let (y, x) = Self.acquire(second, in: &lowTable, first, in: &highTable, now: now)
                return (x, y)
            }
        }
    }

    private static func acquire(
        _ first: BucketRequest, in firstTable: inout BucketTable,
        _ second: BucketRequest, in secondTable: inout BucketTable, now: Int64
    ) -> (BucketEvaluation, BucketEvaluation) {
        let a = firstTable.lookup(first.key, now: now)
        let b = secondTable.lookup(second.key, now: now)
        let (x, y, commit) = BucketEvaluation.pair(first, a.state, second, b.state, now: now)
        if commit {
            if x.allowed, let state = x.counted { firstTable.store(first.key, state, slot: a.slot, now: now) }
            if y.allowed, let state = y.counted { secondTable.store(second.key, state, slot: b.slot, now: now) }
        }
        return (x, y)
    }

    public func acquire(_ single: BucketRequest, now: Int64) -> BucketEvaluation {
        shards[shardIndex(single.key)].table.withLock { table in
            let found = table.lookup(single.key, now: now)
            let evaluation = BucketEvaluation.evaluate(single.parameters, state: found.state, now: now)
            if evaluation.allowed, let state = evaluation.counted {
                table.store(single.key, state, slot: found.slot, now: now)
            }
            return evaluation
        }
    }

    @discardableResult
    public func sweep(now: Int64) -> Int { sweep(now: now, budgetPerShard: .max) }

    /// A bounded sweep: each shard's lock is held while it looks at no more than `budgetPerShard` buckets,
    /// from its least recently used end. With a budget of a few thousand, a sweep every second keeps every
    /// lock hold short even at a million buckets (a client coming back reuses its expired bucket in place).
    @discardableResult
    public func sweep(now: Int64, budgetPerShard: Int) -> Int {
        var dropped = 0
        for shard in shards { dropped += shard.table.withLock { $0.sweep(now: now, budget: budgetPerShard) } }
        return dropped
    }

    public var stats: RateLimitStoreStats {
        var stats = RateLimitStoreStats()
        for shard in shards {
            shard.table.withLock { table in
                stats.liveBuckets += table.liveCount
                stats.evictions += table.evictions
                stats.expirations += table.expirations
            }
        }
        return stats
    }

    /// The bytes one bucket costs in its shard's slot array (key, state, two LRU links) plus its dictionary
    /// entry at the dictionary's maximum load factor of 3/4. The benchmark measures the real resident figure,
    /// which is higher by the slack of arrays and dictionaries that grow by doubling.
    public static var estimatedBytesPerBucket: Int {
        let slot = MemoryLayout<BucketTable.Slot>.stride
        let entry = (MemoryLayout<BucketKey>.stride + MemoryLayout<Int32>.stride) * 4 / 3 + 1
        return slot + entry
    }
}
