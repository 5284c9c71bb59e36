/// One shard of the in-memory store: buckets in parallel arrays, a dictionary from key to slot, and an
/// intrusive least-recently-used list threaded through the arrays by slot number (no object per bucket).
///
/// A plain value, not thread-safe: `MemoryRateLimitStore` keeps each one inside a `Mutex`. At `capacity`
/// live buckets, adding one drops the least recently used (an expiration when it had expired anyway, an
/// eviction otherwise). Freed slots are reused through a free list, so the arrays never outgrow `capacity`.
struct BucketTable {
    static let none: Int32 = -1
    /// Marks a free slot in `keys`.
    static let freeRule = UInt32.max

    let capacity: Int
    private(set) var index: [BucketKey: Int32] = [:]
    private(set) var keys: [BucketKey] = []
    private(set) var states: [BucketState] = []
    /// LRU links by slot; for free slots `newer` chains the free list.
    private var older: [Int32] = []
    private var newer: [Int32] = []
    private var newest = BucketTable.none
    private var oldest = BucketTable.none
    private var freeHead = BucketTable.none

    private(set) var evictions = 0
    private(set) var expirations = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var liveCount: Int { index.count }

    /// The bucket's state, or nil when it is unknown or expired (an expired one is dropped). A found bucket
    /// becomes the most recently used. Returns the slot for a later `store`.
    mutating func lookup(_ key: BucketKey, now: Int64) -> (slot: Int32, state: BucketState?) {
        guard let slot = index[key] else { return (BucketTable.none, nil) }
        let state = states[Int(slot)]
        if state.expiresAt <= now {
            remove(slot: slot)
            expirations += 1
            return (BucketTable.none, nil)
        }
        touch(slot)
        return (slot, state)
    }

    /// Saves `state` for `key`; `slot` is the hint `lookup` returned (checked, since a store in between may
    /// have reused it).
    mutating func store(_ key: BucketKey, _ state: BucketState, slot hint: Int32, now: Int64) {
        if hint != BucketTable.none, keys[Int(hint)] == key {
            states[Int(hint)] = state
            touch(hint)
            return
        }
        if let slot = index[key] {
            states[Int(slot)] = state
            touch(slot)
            return
        }
        if index.count >= capacity, oldest != BucketTable.none {
            let victim = oldest
            if states[Int(victim)].expiresAt <= now { expirations += 1 } else { evictions += 1 }
            remove(slot: victim)
        }
        let slot: Int32
        if freeHead != BucketTable.none {
            slot = freeHead
            freeHead = newer[Int(slot)]
            keys[Int(slot)] = key
            states[Int(slot)] = state
        } else {
            slot = Int32(keys.count)
            keys.append(key)
            states.append(state)
            older.append(BucketTable.none)
            newer.append(BucketTable.none)
        }
        index[key] = slot
        linkAsNewest(slot)
    }

    /// Drops every expired bucket; returns how many.
    mutating func sweep(now: Int64) -> Int {
        var dropped = 0
        var slot = oldest
        while slot != BucketTable.none {
            let next = newer[Int(slot)]
            if states[Int(slot)].expiresAt <= now {
                remove(slot: slot)
                dropped += 1
            }
            slot = next
        }
        expirations += dropped
        return dropped
    }

    private mutating func remove(slot: Int32) {
        index.removeValue(forKey: keys[Int(slot)])
        unlink(slot)
        keys[Int(slot)].rule = BucketTable.freeRule
        newer[Int(slot)] = freeHead
        older[Int(slot)] = BucketTable.none
        freeHead = slot
    }

    private mutating func touch(_ slot: Int32) {
        guard slot != newest else { return }
        unlink(slot)
        linkAsNewest(slot)
    }

    private mutating func unlink(_ slot: Int32) {
        let before = older[Int(slot)]
        let after = newer[Int(slot)]
        if before != BucketTable.none { newer[Int(before)] = after } else { oldest = after }
        if after != BucketTable.none { older[Int(after)] = before } else { newest = before }
        older[Int(slot)] = BucketTable.none
        newer[Int(slot)] = BucketTable.none
    }

    private mutating func linkAsNewest(_ slot: Int32) {
        older[Int(slot)] = newest
        newer[Int(slot)] = BucketTable.none
        if newest != BucketTable.none { newer[Int(newest)] = slot } else { oldest = slot }
        newest = slot
    }

    /// Slots from least to most recently used, for tests.
    var keysOldestFirst: [BucketKey] {
        var result: [BucketKey] = []
        var slot = oldest
        while slot != BucketTable.none {
            result.append(keys[Int(slot)])
            slot = newer[Int(slot)]
        }
        return result
    }
}
