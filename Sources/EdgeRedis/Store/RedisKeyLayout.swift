import EdgeCore

/// How buckets are named in Redis: `<prefix>:{<client>}:<rule>:<algorithm><limit>/<period_ns>`, for example
/// `ayaka-edge:{203.0.113.7}:3:fw5/60000000000`.
///
/// - `{<client>}` is a Redis Cluster hash tag: every bucket of one client (global and route) hashes to one
///   slot, so the two-key script runs on Cluster too.
/// - `<rule>` is `LimitPolicy.index` (0 global, 1 default, then routes in config order, then shadows): the
///   fleet must run the same rule list, which it does when it shares one config file.
/// - The rule's numbers are part of the name, so an instance with a changed rule (a reload, a rolling deploy)
///   starts fresh buckets instead of reading a state written under other numbers.
public struct RedisKeyLayout: Sendable, Equatable {
    public var prefix: String

    public init(prefix: String = "ayaka-edge") {
        self.prefix = prefix
    }

    public func key(for request: BucketRequest) -> String {
        let parameters = request.parameters
        let algorithm: String
        switch parameters.algorithm {
        case .fixedWindow: algorithm = "fw"
        case .tokenBucket: algorithm = "tb"
        case .slidingWindow: algorithm = "sw"
        }
        return
            "\(prefix):{\(request.key.client)}:\(request.key.rule):\(algorithm)\(parameters.limit)/\(parameters.period)"
    }

    /// The script's code for an algorithm.
    static func code(_ algorithm: RateLimitAlgorithm) -> Int64 {
        switch algorithm {
        case .fixedWindow: return 1
        case .tokenBucket: return 2
        case .slidingWindow: return 3
        }
    }
}
