import EdgeCore
import Logging
import NIOCore

/// The fleet's shared bucket store: every decision is one `EVALSHA` of `RateLimitScript` on Redis, which
/// reads, decides and writes the global and route buckets atomically, with the caller's clock (`now`). Its
/// evaluations equal `MemoryRateLimitStore`'s for the same calls and clock, field by field (`counted` aside:
/// the state lives in Redis, so it is nil here).
///
/// The script is loaded on every new connection (`SCRIPT LOAD`), called by its SHA-1, and sent whole with
/// `EVAL` when Redis answers `NOSCRIPT` (a `SCRIPT FLUSH`, a restart, a failover), which caches it again.
///
/// Errors are thrown (or fail the future) as `RedisClientError`; `FailoverRateLimitStore` turns them into the
/// configured `on_store_failure` behaviour.
public final class RedisRateLimitStore: EventLoopRateLimitStore {
    public let client: RedisClient
    public let layout: RedisKeyLayout
    /// Added to every key's TTL beyond its bucket's expiry, so that instances whose clocks differ a little
    /// never see a live bucket vanish. Memory stays bounded: a key lives at most its window plus this.
    public let ttlMargin: TimeAmount

    /// Builds the client too: `configuration` from `RedisConfiguration(url:environment:)`.
    public convenience init(
        configuration: RedisConfiguration, eventLoopGroup: any EventLoopGroup, layout: RedisKeyLayout = .init(),
        ttlMargin: TimeAmount = .seconds(1), logger: Logger = Logger(label: "ayaka-edge.redis")
    ) {
        let client = RedisClient(
            configuration: configuration, eventLoopGroup: eventLoopGroup, setup: [Self.scriptLoadCommand],
            logger: logger)
        self.init(client: client, layout: layout, ttlMargin: ttlMargin)
    }

    /// Uses an existing client; give it `RedisRateLimitStore.scriptLoadCommand` as a setup command so the
    /// script is cached on each new connection (without it, the first call per connection takes the `EVAL`
    /// path once).
    public init(client: RedisClient, layout: RedisKeyLayout = .init(), ttlMargin: TimeAmount = .seconds(1)) {
        self.client = client
        self.layout = layout
        self.ttlMargin = ttlMargin
    }

    /// `SCRIPT LOAD <script>`.
    public static var scriptLoadCommand: RESPCommand { RESPCommand(["SCRIPT", "LOAD", RateLimitScript.source]) }

    /// The SHA-1 that `EVALSHA` uses.
    public static var scriptSHA1: String { RateLimitScript.sha1 }

    public func acquire(
        _ first: BucketRequest, _ second: BucketRequest, now: Int64, on eventLoop: any EventLoop
    ) -> EventLoopFuture<(BucketEvaluation, BucketEvaluation)> {
        run([first, second], now: now, on: eventLoop).flatMapThrowing { reply in
            let values = try Self.evaluations(reply, count: 2, now: now)
            return (values[0], values[1])
        }
    }

    public func acquire(
        _ single: BucketRequest, now: Int64, on eventLoop: any EventLoop
    ) -> EventLoopFuture<BucketEvaluation> {
        run([single], now: now, on: eventLoop).flatMapThrowing { reply in
            try Self.evaluations(reply, count: 1, now: now)[0]
        }
    }

    public func acquire(
        _ first: BucketRequest, _ second: BucketRequest, now: Int64
    ) async throws -> (BucketEvaluation, BucketEvaluation) {
        try await acquire(first, second, now: now, on: client.eventLoopGroup.next()).get()
    }

    public func acquire(_ single: BucketRequest, now: Int64) async throws -> BucketEvaluation {
        try await acquire(single, now: now, on: client.eventLoopGroup.next()).get()
    }

    /// `EVALSHA`, and on `NOSCRIPT` the same call as `EVAL` with the source.
    private func run(_ requests: [BucketRequest], now: Int64, on eventLoop: any EventLoop) -> EventLoopFuture<RESPValue>
    {
        client.send(command(requests, now: now, script: nil), on: eventLoop).flatMapError { error in
            guard (error as? RedisClientError)?.isNoScript == true else {
                return eventLoop.makeFailedFuture(error)
            }
            return self.client.send(self.command(requests, now: now, script: RateLimitScript.source), on: eventLoop)
        }
    }

    /// `EVALSHA sha n key... now_s now_ns margin (algorithm limit period dry)...`, or `EVAL source ...`.
    func command(_ requests: [BucketRequest], now: Int64, script: String?) -> RESPCommand {
        var command = RESPCommand(
            script == nil ? "EVALSHA" : "EVAL", argumentCount: 3 + requests.count + 3 + 4 * requests.count)
        command.append(script ?? RateLimitScript.sha1)
        command.append(Int64(requests.count))
        for request in requests { command.append(layout.key(for: request)) }
        // Floor division, so a negative clock still splits into a second and a nanosecond in [0, 1e9).
        var seconds = now / 1_000_000_000
        var nanoseconds = now % 1_000_000_000
        if nanoseconds < 0 {
            seconds -= 1
            nanoseconds += 1_000_000_000
        }
        command.append(seconds)
        command.append(nanoseconds)
        command.append(ttlMargin.nanoseconds / 1_000_000)
        for request in requests {
            command.append(RedisKeyLayout.code(request.parameters.algorithm))
            command.append(request.parameters.limit)
            command.append(request.parameters.period)
            command.append(request.dryRun ? 1 : 0)
        }
        return command
    }

    /// The script's reply: four integers per bucket, times as offsets from `now`.
    static func evaluations(_ reply: RESPValue, count: Int, now: Int64) throws -> [BucketEvaluation] {
        guard let elements = reply.array, elements.count == 4 * count else {
            throw RedisClientError.unexpectedReply("rate-limit script: expected \(4 * count) integers")
        }
        var result: [BucketEvaluation] = []
        result.reserveCapacity(count)
        for index in 0..<count {
            guard let allowed = elements[4 * index].integer, let remaining = elements[4 * index + 1].integer,
                let reset = elements[4 * index + 2].integer, let retry = elements[4 * index + 3].integer
            else { throw RedisClientError.unexpectedReply("rate-limit script: expected integers") }
            result.append(
                BucketEvaluation(
                    allowed: allowed == 1, remaining: remaining, resetAt: now + reset, retryAfter: retry, counted: nil))
        }
        return result
    }
}
