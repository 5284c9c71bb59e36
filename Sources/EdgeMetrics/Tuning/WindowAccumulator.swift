import EdgeCore

/// The pipeline's side of window recording: adds up the partial counts of every event loop per (client,
/// rule, window length, window start), and bins a window only once it has closed.
///
/// A window ending at `end` is closed by `close(upTo:)` when `end ≤ cutoff`; the pipeline passes
/// `now - grace`, so a partial recorded on a loop whose clock lags the flusher's a little still joins its
/// window. `closeAll()` (the last flush on shutdown) bins every open window with what it has so far.
/// Open windows are bounded by `capacity`; past it the earliest-ending ones are binned early
/// (`forcedCloses`).
struct WindowAccumulator {
    struct Key: Hashable {
        var key: BucketKey
        var length: Int64
        var start: Int64
    }

    /// Open windows grouped by end (ns), so closing needs no scan of the later ones.
    private var open: [Int64: [Key: Int64]] = [:]
    private(set) var openCount = 0
    let capacity: Int
    private(set) var forcedCloses: Int64 = 0

    init(capacity: Int = 4_000_000) {
        self.capacity = capacity
    }

    mutating func add(_ snapshot: WindowSnapshot) {
        for partial in snapshot.partials {
            let key = Key(key: partial.key, length: partial.length, start: partial.start)
            let end = partial.start + partial.length
            let before = open[end]?[key]
            open[end, default: [:]][key, default: 0] += partial.count
            if before == nil { openCount += 1 }
        }
        while openCount > capacity, let earliest = open.keys.min() {
            forcedCloses += Int64(open[earliest]?.count ?? 0)
            var rows = TuningRows()
            closeGroup(earliest, into: &rows)
            pendingForced.merge(rows)
        }
    }

    /// Rows binned early by the capacity bound, handed out with the next `close`.
    private var pendingForced = TuningRows()

    /// Bins every window that ended at or before `cutoff` (ns).
    mutating func close(upTo cutoff: Int64) -> TuningRows {
        var rows = pendingForced
        pendingForced = TuningRows()
        for end in open.keys.filter({ $0 <= cutoff }).sorted() { closeGroup(end, into: &rows) }
        return rows
    }

    /// Bins every window, closed or not (the final flush).
    mutating func closeAll() -> TuningRows {
        close(upTo: .max)
    }

    private mutating func closeGroup(_ end: Int64, into rows: inout TuningRows) {
        guard let group = open.removeValue(forKey: end) else { return }
        openCount -= group.count
        for (key, count) in group {
            rows.add(rule: Int(Int32(bitPattern: key.key.rule)), length: key.length, start: key.start, count: count)
        }
    }
}

/// Closed windows, binned: one `CountHistogram` per (hour, rule, window length).
public struct TuningRows: Sendable, Equatable {
    public struct Key: Hashable, Sendable {
        /// Start of the hour holding the window's start, seconds since the epoch.
        public var hour: Int64
        /// Route index (0 = `default`) or `WindowRecorder.globalRule`.
        public var rule: Int
        public var windowSeconds: Int64
    }

    public var histograms: [Key: CountHistogram] = [:]

    public init() {}

    public var isEmpty: Bool { histograms.isEmpty }

    /// Adds one closed (client, window) pair.
    mutating func add(rule: Int, length: Int64, start: Int64, count: Int64) {
        let seconds = start >= 0 ? start / 1_000_000_000 : (start - 999_999_999) / 1_000_000_000
        let hour = seconds - ((seconds % 3_600) + 3_600) % 3_600
        let key = Key(hour: hour, rule: rule, windowSeconds: length / 1_000_000_000)
        histograms[key, default: CountHistogram()].add(count: count)
    }

    public mutating func merge(_ other: TuningRows) {
        for (key, histogram) in other.histograms { histograms[key, default: CountHistogram()].merge(histogram) }
    }

    /// Number of database rows these make (one per non-empty bin, plus one peak row per histogram).
    public var rowCount: Int {
        histograms.values.reduce(0) { $0 + $1.pairs.filter { $0 > 0 }.count + 1 }
    }
}
