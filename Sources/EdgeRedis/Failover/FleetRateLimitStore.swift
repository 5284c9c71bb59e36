import EdgeCore
import Logging
import NIOCore

/// Builds the fleet-mode store from the config.
public enum FleetRateLimitStore {
    /// For `rate_limits.store: redis://...`: a `RedisRateLimitStore` on `eventLoopGroup` (the proxy's own, so
    /// calls from its channel handlers stay on their loop) inside a `FailoverRateLimitStore` with the
    /// configured `on_store_failure` and a local store of `max_buckets`. nil for `store: memory`.
    ///
    /// The password comes from the URL or `AYAKA_EDGE_REDIS_PASSWORD` in `environment`. The Redis command
    /// timeout is set to the store timeout, so a dead connection is noticed and replaced at the same pace.
    public static func make(
        rules: EdgeConfig.RateLimits, eventLoopGroup: any EventLoopGroup,
        environment: [String: String], options: FailoverRateLimitStore.Options? = nil,
        logger: Logger = Logger(label: "ayaka-edge.redis")
    ) throws(RedisClientError) -> FailoverRateLimitStore? {
        guard case .redis(let url) = rules.store else { return nil }
        let options = options ?? FailoverRateLimitStore.Options(policy: rules.onStoreFailure)
        var configuration = try RedisConfiguration(url: url, environment: environment)
        configuration.commandTimeout = options.storeTimeout
        configuration.connectTimeout = max(options.storeTimeout, configuration.connectTimeout)
        let redis = RedisRateLimitStore(configuration: configuration, eventLoopGroup: eventLoopGroup, logger: logger)
        logger.info(
            "rate-limit store", metadata: ["redis": "\(configuration)", "on_store_failure": "\(options.policy)"])
        return FailoverRateLimitStore(
            primary: redis, localStore: MemoryRateLimitStore(maxBuckets: rules.maxBuckets), options: options,
            eventLoopGroup: eventLoopGroup)
    }
}
