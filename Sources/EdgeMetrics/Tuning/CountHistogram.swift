/// A histogram of requests per (client, aligned window): per bin of `CountBins`, how many (client, window)
/// pairs fell in it and the sum of their requests; plus the largest count seen.
///
/// Keeping the sum per bin makes "requests a limit of N per window would reject" (the sum over pairs of
/// `max(0, count - N)`) exact whenever N is at a bin bound: every count ≤ 64, and each log bin's upper
/// bound. Inside a log bin the figure is bounded (see `rejected(limit:)`).
public struct CountHistogram: Sendable, Equatable {
    public var pairs: [Int64]
    public var requests: [Int64]
    /// The largest count of one pair.
    public var maxCount: Int64 = 0

    public init() {
        pairs = Array(repeating: 0, count: CountBins.count)
        requests = Array(repeating: 0, count: CountBins.count)
    }

    /// Adds one (client, window) pair that saw `count` requests.
    public mutating func add(count: Int64) {
        guard count > 0 else { return }
        let bin = CountBins.bin(of: count)
        pairs[bin] += 1
        requests[bin] += count
        maxCount = max(maxCount, count)
    }

    /// Adds a stored bin row (`bin` from `CountBins.bin(of: bin_low)`).
    public mutating func add(bin: Int, pairs: Int64, requests: Int64) {
        self.pairs[bin] += pairs
        self.requests[bin] += requests
    }

    public mutating func merge(_ other: CountHistogram) {
        for index in 0..<CountBins.count {
            pairs[index] += other.pairs[index]
            requests[index] += other.requests[index]
        }
        maxCount = max(maxCount, other.maxCount)
    }

    public var totalPairs: Int64 { pairs.reduce(0, +) }
    public var totalRequests: Int64 { requests.reduce(0, +) }
    public var isEmpty: Bool { totalPairs == 0 }

    /// The effective upper bound of a bin: its bound, capped by the largest count seen.
    private func high(_ bin: Int) -> Int64 {
        maxCount > 0 ? min(CountBins.upper(bin), max(maxCount, CountBins.lower(bin))) : CountBins.upper(bin)
    }

    /// Requests a fixed limit of `limit` per aligned window would have rejected: `sum max(0, count - limit)`.
    ///
    /// Exact (`low == high`) when no non-empty bin straddles the limit: always for limits ≤ 64 and at log-bin
    /// upper bounds. For a bin `[lo, hi]` with `lo ≤ limit < hi` the bin's share lies between
    /// `max(0, requests - limit × pairs)` (all counts equal) and `(requests - lo × pairs) × (hi - limit) ÷
    /// (hi - lo)` (counts at the two ends); `estimate` is the middle.
    public func rejected(limit: Int64) -> Figure {
        var figure = Figure()
        for bin in 0..<CountBins.count where pairs[bin] > 0 {
            let low = CountBins.lower(bin), high = high(bin)
            if high <= limit { continue }
            if low > limit {
                let exact = requests[bin] - limit * pairs[bin]
                figure.low += exact
                figure.high += exact
                continue
            }
            figure.low += max(0, requests[bin] - limit * pairs[bin])
            let spread = Double(requests[bin] - low * pairs[bin]) * Double(high - limit) / Double(high - low)
            figure.high += Int64(spread.rounded(.up))
        }
        return figure
    }

    /// (client, window) pairs with more than `limit` requests, exact or bounded like `rejected(limit:)`.
    public func affected(limit: Int64) -> Figure {
        var figure = Figure()
        for bin in 0..<CountBins.count where pairs[bin] > 0 {
            let low = CountBins.lower(bin), high = high(bin)
            if high <= limit { continue }
            if low > limit {
                figure.low += pairs[bin]
                figure.high += pairs[bin]
                continue
            }
            // At least the pairs needed to hold the excess, at most all of them.
            let excess = requests[bin] - limit * pairs[bin]
            figure.low += excess > 0 ? (excess + (high - limit) - 1) / (high - limit) : 0
            figure.high += pairs[bin]
        }
        return figure
    }

    /// The count at quantile `q` (0...1) of pairs: exact in bins 1...64, else the bin's upper bound capped
    /// by the largest count; 0 when empty.
    public func quantile(_ q: Double) -> Int64 {
        let total = totalPairs
        guard total > 0 else { return 0 }
        let rank = max(1, Int64((q * Double(total)).rounded(.up)))
        var seen: Int64 = 0
        for bin in 0..<CountBins.count {
            seen += pairs[bin]
            if seen >= rank { return high(bin) }
        }
        return maxCount
    }

    /// A figure that is exact when `low == high`, else known to lie in `low...high`.
    public struct Figure: Sendable, Equatable, Codable {
        public var low: Int64 = 0
        public var high: Int64 = 0

        public var isExact: Bool { low == high }
        /// The middle of the range, rounded down.
        public var estimate: Int64 { low + (high - low) / 2 }
    }
}
