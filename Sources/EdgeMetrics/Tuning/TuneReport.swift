/// What `ayaka-edge tune` prints for one route: the recorded distribution per window length, each candidate
/// limit's effect, and (with `--suggest`) the tightest limit per window length within the allowed share.
///
/// Shares are of (client, aligned window) pairs, not of distinct clients: the histograms count pairs. A
/// client that is over the limit in 3 windows counts 3 times. Encoded as JSON with snake_case keys.
public struct TuneReport: Codable, Sendable, Equatable {
    public var route: String
    public var since: String
    /// Hours overlapping the range: from the first hour's start to `to`, RFC 3339 UTC.
    public var from: String
    public var to: String
    public var windows: [WindowLine]
    public var candidates: [CandidateLine]
    /// `--max-affected` as a fraction, when `--suggest` was given.
    public var maxAffected: Double?
    public var suggestions: [SuggestionLine]
    public var note: String

    /// The distribution for one window length.
    public struct WindowLine: Codable, Sendable, Equatable {
        public var window: String
        public var windowSeconds: Int64
        /// (client, window) pairs with at least one request.
        public var pairs: Int64
        public var requests: Int64
        /// Requests per client per window at the median and 99th percentile of pairs, and the largest.
        public var p50: Int64
        public var p99: Int64
        public var max: Int64
    }

    /// One candidate limit's effect on the recorded traffic.
    public struct CandidateLine: Codable, Sendable, Equatable {
        public var limit: String
        public var count: Int64
        public var windowSeconds: Int64
        /// Requests it would have rejected: `sum over pairs of max(0, count - N)`.
        public var rejectedRequests: Int64
        /// Bounds of `rejected_requests`; equal (and `exact` true) when N is at a bin bound (N ≤ 64 always).
        public var rejectedLow: Int64
        public var rejectedHigh: Int64
        /// (client, window) pairs with more than N requests, and their share of all pairs.
        public var affectedPairs: Int64
        public var affectedShare: Double
        public var pairs: Int64
        public var requests: Int64
        /// Rejected ÷ requests.
        public var rejectedShare: Double
        public var exact: Bool
        /// The hour (RFC 3339 UTC, its start) in which it would have rejected the most, and how many.
        public var worstHour: String?
        public var worstHourRejected: Int64
    }

    /// The tightest limit for one window length whose affected share is within `max_affected`.
    public struct SuggestionLine: Codable, Sendable, Equatable {
        public var window: String
        public var limit: String
        public var count: Int64
        public var affectedPairs: Int64
        public var affectedShare: Double
        public var rejectedRequests: Int64
    }
}
