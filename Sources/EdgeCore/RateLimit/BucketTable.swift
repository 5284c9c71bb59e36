/// One shard of the in-memory store: buckets in one array of slots, a dictionary from key to slot, and an
/// intrusive least-recently-used list threaded through the slots by slot number (no object per bucket).
/// A slot is 56 bytes (key, state and both links), so one bucket costs about one cache line to visit.
///
/// A plain value, not thread-safe: `MemoryRateLimitStore` keeps each one inside a `Mutex`. At `capacity`
/// live buckets, adding one drops the least recently used (an expiration when it had expired anyway, an
/// eviction otherwise). Freed slots are reused through a free list, so the arrays never outgrow `capacity`.
struct BucketTable {
    static let none: Int32 = -1
    /// Marks a free slot (in `Slot.key.rule`).
    static let freeRule = UInt32.max

    let capacity: Int
    struct Slot {
        var key: BucketKey
        var state: BucketState
        /// LRU links by slot number; for a free slot `newer` chains the free list.
        var older: Int32
        var newer: Int32
    }

    private(set) var index: [BucketKey: Int32] = [:]
    private(set) var slots: [Slot] = []
    private var newest = BucketTable.none
    private var oldest = BucketTable.none
    private var freeHead = BucketTable.none

    private(set) var evictions = 0
    private(set) var expirations = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var liveCount: Int { index.count }

    /// The bucket's state, or nil when it is unknown or expired. A found live bucket becomes the most recently
    /// used. Returns the slot for a later `store`: an expired bucket keeps its slot and index entry, and a
    /// `store` for the same key reuses them (counted as an expiration then), so a client coming back after its
    /// window costs no dictionary removal and insertion. Not stored again, it stays where it is in the LRU
    /// order until a sweep or the cap drops it.
    mutating func lookup(_ key: BucketKey, now: Int64) -> (slot: Int32, state: BucketState?) {
        guard let slot = index[key] else { return (BucketTable.none, nil) }
        let state = slots[Int(slot)].state
        if state.expiresAt <= now { return (slot, nil) }
        touch(slot)
        return (slot, state)
    }

    /// Saves `state` for `key`; `slot` is the hint `lookup` returned (checked, since a store in between may
    /// have reused it).
    mutating func store(_ key: BucketKey, _ state: BucketState, slot hint: Int32, now: Int64) {
        if hint != BucketTable.none, slots[Int(hint)].key == key {
            if slots[Int(hint)].state.expiresAt <= now { expirations += 1 }  // replaced after its window
            slots[Int(hint)].state = state
            touch(hint)
            return
        }
        if let slot = index[key] {
            if slots[Int(slot)].state.expiresAt <= now { expirations += 1 }
            slots[Int(slot)].state = state
            touch(slot)
            return
        }
        if index.count >= capacity, oldest != BucketTable.none {
            let victim = oldest
            if slots[Int(victim)].state.expiresAt <= now { expirations += 1 } else { evictions += 1 }
            remove(slot: victim)
        }
        let slot: Int32
        if freeHead != BucketTable.none {
            slot = freeHead
            freeHead = slots[Int(slot)].newer
            slots[Int(slot)] = Slot(key: key, state: state, older: BucketTable.none, newer: BucketTable.none)
        } else {
            slot = Int32(slots.count)
            slots.append(Slot(key: key, state: state, older: BucketTable.none, newer: BucketTable.none))
        }
        index[key] = slot
        linkAsNewest(slot)
    }

    /// Drops expired buckets, looking at no more than `budget` of them from the least recently used end
    /// (where idle, expired buckets gather); returns how many it dropped.
    mutating func sweep(now: Int64, budget: Int = .max) -> Int {
        var dropped = 0
        var examined = 0
        var slot = oldest
        while slot != BucketTable.none, examined < budget {
            examined += 1
            let next = slots[Int(slot)].newer
            if slots[Int(slot)].state.expiresAt <= now {
                remove(slot: slot)
                dropped += 1
            }
            slot = next
        }
        expirations += dropped
        return dropped
    }

    private mutating func remove(slot: Int32) {
        index.removeValue(forKey: slots[Int(slot)].key)
        unlink(slot)
        slots[Int(slot)].key.rule = BucketTable.freeRule
        slots[Int(slot)].newer = freeHead
        freeHead = slot
    }

    private mutating func touch(_ slot: Int32) {
        guard slot != newest else { return }
        unlink(slot)
        linkAsNewest(slot)
    }

    private mutating func unlink(_ slot: Int32) {
        let before = slots[Int(slot)].older
        let after = slots[Int(slot)].newer
        if before != BucketTable.none { slots[Int(before)].newer = after } else { oldest = after }
        if after != BucketTable.none { slots[Int(after)].older = before } else { newest = before }
        slots[Int(slot)].older = BucketTable.none
        slots[Int(slot)].newer = BucketTable.none
    }

    private mutating func linkAsNewest(_ slot: Int32) {
        slots[Int(slot)].older = newest
        slots[Int(slot)].newer = BucketTable.none
        if newest != BucketTable.none { slots[Int(newest)].newer = slot } else { oldest = slot }
        newest = slot
    }

    /// Slots from least to most recently used, for tests.
    var keysOldestFirst: [BucketKey] {
        var result: [BucketKey] = []
        var slot = oldest
        while slot != BucketTable.none {
            result.append(slots[Int(slot)].key)
            slot = slots[Int(slot)].newer
        }
        return result
    }
}
