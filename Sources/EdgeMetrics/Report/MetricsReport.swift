/// What `ayaka-edge report` prints: traffic over a time range, read from the metrics database.
///
/// Encoded as JSON with snake_case keys; latencies are milliseconds, rates are fractions (0...1).
public struct MetricsReport: Codable, Sendable, Equatable {
    /// The range asked for (`--since`), e.g. `1h`.
    public var since: String
    /// Range start and end, RFC 3339 UTC; rows whose minute starts in `[from, to]` are counted.
    public var from: String
    public var to: String
    public var totals: Totals
    /// Every route with traffic, most requests first.
    public var routes: [RouteLine]
    /// The most-rejected (client, route) buckets, most first.
    public var topLimited: [LimitedLine]
    public var upstreams: [UpstreamLine]
    public var gateway: GatewayLine
    public var closeCodes: [CloseCodeLine]
    public var shadowRules: [ShadowLine]

    public struct Totals: Codable, Sendable, Equatable {
        public var requests: Int64
        public var rateLimited: Int64
        public var dryRunWouldReject: Int64
        public var responses4xx: Int64
        public var responses5xx: Int64
        /// 5xx responses ÷ requests.
        public var errorRate: Double
        public var bytesIn: Int64
        public var bytesOut: Int64
        public var latency: Percentiles
    }

    public struct Percentiles: Codable, Sendable, Equatable {
        public var p50Ms: Double
        public var p90Ms: Double
        public var p99Ms: Double
        public var maxMs: Double
        public var meanMs: Double

        init(_ histogram: LatencyHistogram) {
            p50Ms = Double(histogram.percentileNanos(0.5)) / 1e6
            p90Ms = Double(histogram.percentileNanos(0.9)) / 1e6
            p99Ms = Double(histogram.percentileNanos(0.99)) / 1e6
            maxMs = Double(histogram.maxNanos) / 1e6
            meanMs = Double(histogram.meanNanos) / 1e6
        }
    }

    public struct RouteLine: Codable, Sendable, Equatable {
        public var route: String
        public var requests: Int64
        public var responses2xx: Int64
        public var responses3xx: Int64
        public var responses4xx: Int64
        public var responses5xx: Int64
        public var rateLimited: Int64
        public var dryRunWouldReject: Int64
        /// 5xx responses ÷ requests.
        public var errorRate: Double
        /// Rate-limited ÷ requests.
        public var limitedRate: Double
        public var bytesIn: Int64
        public var bytesOut: Int64
        public var latency: Percentiles
    }

    public struct LimitedLine: Codable, Sendable, Equatable {
        public var client: String
        public var route: String
        public var rejected: Int64
    }

    public struct UpstreamLine: Codable, Sendable, Equatable {
        public var upstream: String
        public var requests: Int64
        public var connectFailures: Int64
        public var timeouts: Int64
        public var broken: Int64
        public var responses5xx: Int64
        /// (connect failures + timeouts + broken) ÷ requests.
        public var failureRate: Double
        public var latency: Percentiles
    }

    public struct GatewayLine: Codable, Sendable, Equatable {
        public var opened: Int64
        public var closed: Int64
        /// Highest per-minute peak of open connections in the range.
        public var peakActive: Int64
        public var messagesIn: Int64
        public var messagesOut: Int64
        public var pingsRelayed: Int64
        public var pingTimeouts: Int64
        public var rejected: Int64
    }

    public struct CloseCodeLine: Codable, Sendable, Equatable {
        public var code: Int
        public var count: Int64
    }

    public struct ShadowLine: Codable, Sendable, Equatable {
        public var route: String
        public var rule: String
        public var wouldReject: Int64
    }
}
