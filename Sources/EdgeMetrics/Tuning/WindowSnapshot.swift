import EdgeCore

/// What one `WindowRecorder` hands out at a drain: partial counts per (client, rule, window length, aligned
/// window start) of the windows that closed since the last drain (of every window, on the last flush). The pipeline adds partials of every event loop for the same key before it bins a
/// window, so a client whose requests of one window came over two connections on two loops is one pair.
public struct WindowSnapshot: Sendable, Equatable {
    public var partials: [WindowPartial] = []
    /// (client, rule) entries pushed out by the LRU cap since the last drain (their counts were kept).
    public var evictions: Int64 = 0
    /// Requests not counted because the recorder's outbox was full (a flood between two drains).
    public var dropped: Int64 = 0

    public init(partials: [WindowPartial] = [], evictions: Int64 = 0, dropped: Int64 = 0) {
        self.partials = partials
        self.evictions = evictions
        self.dropped = dropped
    }

    public var isEmpty: Bool { partials.isEmpty && evictions == 0 && dropped == 0 }

    public mutating func merge(_ other: WindowSnapshot) {
        partials.append(contentsOf: other.partials)
        evictions += other.evictions
        dropped += other.dropped
    }
}

/// Requests of one client under one rule in one aligned window, as counted on one event loop.
public struct WindowPartial: Sendable, Hashable {
    /// The client and the rule (`rule` as `UInt32(bitPattern:)` of the rule id; see `WindowRecorder`).
    public var key: BucketKey
    /// The window length, ns.
    public var length: Int64
    /// The window's aligned start, ns since the epoch (a multiple of `length`).
    public var start: Int64
    public var count: Int64

    public init(key: BucketKey, length: Int64, start: Int64, count: Int64) {
        self.key = key
        self.length = length
        self.start = start
        self.count = count
    }

    /// The rule id: a route index (0 = `default`) or `WindowRecorder.globalRule`.
    public var rule: Int { Int(Int32(bitPattern: key.rule)) }
}
