import EdgeCore

/// The state of one `WindowRecorder`: per (client, rule) entry, one (aligned start, count) per window
/// length, in flat arrays by slot number, with an intrusive LRU list and a bounded outbox of partial counts.
///
/// When an entry's window moves on (a request in a later window), the old window's count goes to the outbox.
/// A drain hands out the windows that have closed by then and keeps the open ones counting: with thousands
/// of clients, handing out every open window's count each second made most of the pipeline's work (the
/// pipeline bins a window only once it has closed anyway). The last drain (`closedBy: nil`) hands out all.
/// At `capacity` entries a new one takes the least recently used slot, whose counts go to the outbox first:
/// an eviction loses no request, it only splits the pair's count into partials that the pipeline adds up.
/// Growth stops at `capacity` slots; after warm-up, recording allocates nothing. The outbox holds at most
/// `max(65,536, capacity)` partials between two drains (48 bytes each); past it requests are counted as dropped.
struct WindowTable {
    static let none: Int32 = -1

    let lengths: [Int64]
    let capacity: Int
    let outboxCapacity: Int

    private var index: [BucketKey: Int32] = [:]
    private var keys: [BucketKey] = []
    private var older: [Int32] = []
    private var newer: [Int32] = []
    /// Whether the slot is on `pending`.
    private var queued: [Bool] = []
    /// `slot * lengths.count + w`: window start and count for window length `w`.
    private var starts: [Int64] = []
    private var counts: [Int64] = []
    private var newest = WindowTable.none
    private var oldest = WindowTable.none
    /// Slots that may hold counts not yet handed out, each once.
    private var pending: [Int32] = []
    private(set) var outbox: [WindowPartial] = []
    private(set) var evictions: Int64 = 0
    private(set) var dropped: Int64 = 0

    init(lengths: [Int64], capacity: Int) {
        self.lengths = lengths
        self.capacity = max(1, capacity)
        outboxCapacity = max(65_536, self.capacity)
        outbox.reserveCapacity(1_024)
        pending.reserveCapacity(1_024)
    }

    var liveCount: Int { index.count }

    /// Counts one request of `key` at `now` (ns) in every window length.
    @inline(__always)
    mutating func record(_ key: BucketKey, now: Int64) {
        let slot = slot(for: key)
        if !queued[Int(slot)] {
            queued[Int(slot)] = true
            pending.append(slot)
        }
        let base = Int(slot) * lengths.count
        for w in 0..<lengths.count {
            let length = lengths[w]
            // Still inside the slot's window: no division (the common case). `.min` never is.
            if UInt64(bitPattern: now &- starts[base + w]) >= UInt64(length) {
                let start = now - ((now % length) + length) % length
                if starts[base + w] != start {
                    emit(key, w, base + w)
                    starts[base + w] = start
                }
            }
            counts[base + w] += 1
        }
    }

    /// Moves the counts of every window that ended by `now` (ns; nil: of every window, open or not) to the
    /// outbox and returns the outbox, evictions and drops, starting afresh. Open windows keep counting.
    mutating func drain(closedBy now: Int64?) -> WindowSnapshot {
        var kept = 0
        for i in 0..<pending.count {
            let slot = pending[i]
            let base = Int(slot) * lengths.count
            var open = false
            for w in 0..<lengths.count where counts[base + w] > 0 {
                // A counted cell has an aligned start (never `.min`).
                if let now, starts[base + w] + lengths[w] > now {
                    open = true
                } else {
                    emit(keys[Int(slot)], w, base + w)
                }
            }
            if open {
                pending[kept] = slot
                kept += 1
            } else {
                queued[Int(slot)] = false
            }
        }
        pending.removeLast(pending.count - kept)
        let snapshot = WindowSnapshot(partials: Array(outbox), evictions: evictions, dropped: dropped)
        outbox.removeAll(keepingCapacity: true)
        evictions = 0
        dropped = 0
        return snapshot
    }

    @inline(__always)
    private mutating func emit(_ key: BucketKey, _ w: Int, _ cell: Int) {
        let count = counts[cell]
        guard count > 0 else { return }
        counts[cell] = 0
        if outbox.count < outboxCapacity {
            outbox.append(WindowPartial(key: key, length: lengths[w], start: starts[cell], count: count))
        } else {
            dropped += count
        }
    }

    private mutating func slot(for key: BucketKey) -> Int32 {
        if let slot = index[key] {
            touch(slot)
            return slot
        }
        let slot: Int32
        if keys.count < capacity {
            slot = Int32(keys.count)
            keys.append(key)
            older.append(WindowTable.none)
            newer.append(WindowTable.none)
            queued.append(false)
            for _ in lengths {
                starts.append(.min)
                counts.append(0)
            }
            linkAsNewest(slot)
        } else {
            slot = oldest
            let base = Int(slot) * lengths.count
            for w in 0..<lengths.count {
                emit(keys[Int(slot)], w, base + w)
                starts[base + w] = .min
            }
            index.removeValue(forKey: keys[Int(slot)])
            keys[Int(slot)] = key
            evictions += 1
            touch(slot)
        }
        index[key] = slot
        return slot
    }

    private mutating func touch(_ slot: Int32) {
        guard slot != newest else { return }
        unlink(slot)
        linkAsNewest(slot)
    }

    private mutating func unlink(_ slot: Int32) {
        let before = older[Int(slot)], after = newer[Int(slot)]
        if before != WindowTable.none { newer[Int(before)] = after } else { oldest = after }
        if after != WindowTable.none { older[Int(after)] = before } else { newest = before }
        older[Int(slot)] = WindowTable.none
        newer[Int(slot)] = WindowTable.none
    }

    private mutating func linkAsNewest(_ slot: Int32) {
        older[Int(slot)] = newest
        newer[Int(slot)] = WindowTable.none
        if newest != WindowTable.none { newer[Int(newest)] = slot } else { oldest = slot }
        newest = slot
    }
}
