import EdgeCore
import Foundation
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import EdgeRedis

/// Tests that need a real Redis read its URL from `AYAKA_TEST_REDIS` (`redis://127.0.0.1:6390/0`);
/// `.ci/run` starts one. Without it they are skipped, saying so.
enum TestRedis {
    static let variable = "AYAKA_TEST_REDIS"
    static let url = ProcessInfo.processInfo.environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    static let enabled = ConditionTrait.enabled(
        if: url != nil, "set \(variable)=redis://127.0.0.1:<port>/<db> to run the tests against a real Redis")

    static var configuration: RedisConfiguration {
        get throws { try RedisConfiguration(url: url ?? "redis://127.0.0.1:6379/0") }
    }

    /// A key prefix of its own per test, so tests can run in parallel on one Redis.
    static func layout() -> RedisKeyLayout {
        RedisKeyLayout(prefix: "ayaka-edge-test-\(UInt64.random(in: 0...UInt64.max))")
    }

    /// A store with its own client and event loops: one instance of the fleet.
    /// - Parameter ttlMargin: the tests drive a simulated clock while Redis expires keys in real time; a long
    ///   margin keeps a loaded machine (the whole suite in parallel on 2 cores) from expiring a 1 s bucket
    ///   mid-test. The TTL test passes the production default it checks.
    static func store(
        layout: RedisKeyLayout, ttlMargin: TimeAmount = .seconds(120),
        configure: (inout RedisConfiguration) -> Void = { _ in }
    ) throws -> (RedisRateLimitStore, MultiThreadedEventLoopGroup) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var configuration = try configuration
        configuration.commandTimeout = .seconds(2)
        configuration.connectTimeout = .seconds(2)
        configure(&configuration)
        return (
            RedisRateLimitStore(configuration: configuration, eventLoopGroup: group, layout: layout, ttlMargin: ttlMargin),
            group
        )
    }

    static func close(_ store: RedisRateLimitStore, _ group: MultiThreadedEventLoopGroup) async throws {
        await store.client.shutdown()
        try await group.shutdownGracefully()
    }

    /// Every key under `layout.prefix` with its remaining TTL in milliseconds.
    static func keys(_ client: RedisClient, layout: RedisKeyLayout) async throws -> [(String, Int64)] {
        var cursor = "0"
        var keys: [String] = []
        repeat {
            let reply = try await client.send(
                RESPCommand(["SCAN", cursor, "MATCH", "\(layout.prefix):*", "COUNT", "1000"]))
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string, let found = parts[1].array
            else {
                throw RedisClientError.unexpectedReply("SCAN")
            }
            cursor = next
            keys += found.compactMap(\.string)
        } while cursor != "0"
        var result: [(String, Int64)] = []
        for key in keys {
            let ttl = try await client.send(RESPCommand(["PTTL", key])).integer ?? -3
            result.append((key, ttl))
        }
        return result
    }
}

/// The fields of an evaluation that the headers use (`counted` is a store detail).
struct Observed: Equatable, CustomStringConvertible {
    var allowed: Bool
    var remaining: Int64
    var resetAt: Int64
    var retryAfter: Int64

    init(_ evaluation: BucketEvaluation) {
        allowed = evaluation.allowed
        remaining = evaluation.remaining
        resetAt = evaluation.resetAt
        retryAfter = evaluation.retryAfter
    }

    var description: String { "(\(allowed ? "pass" : "reject") rem \(remaining) reset \(resetAt) retry \(retryAfter))" }
}

/// A deterministic generator (SplitMix64) so a failing sequence can be replayed from its seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A TCP relay in front of Redis that a test can break: `forward` passes bytes both ways, `blackhole` keeps
/// connections open but drops every byte (a hung Redis), `refuse` closes every connection and each new one
/// at once (a stopped Redis).
final class TCPRelay: Sendable {
    enum Mode: Sendable { case forward, blackhole, refuse }

    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let mode = Mutex(Mode.forward)
    let open = Mutex<[ObjectIdentifier: any Channel]>([:])
    private let server = Mutex<(any Channel)?>(nil)

    final class Glue: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let relay: TCPRelay
        let partner: any Channel
        init(relay: TCPRelay, partner: any Channel) {
            self.relay = relay
            self.partner = partner
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard relay.mode.withLock({ $0 }) == .forward else { return }
            partner.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            relay.open.withLock { _ = $0.removeValue(forKey: ObjectIdentifier(context.channel)) }
            partner.close(promise: nil)
        }
    }

    /// Starts listening on a loopback port; returns the `redis://` URL that goes through the relay.
    func start(to target: RedisConfiguration) async throws -> String {
        let host = target.host
        let port = target.port
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                guard mode.withLock({ $0 }) != .refuse else { return channel.close() }
                return ClientBootstrap(group: channel.eventLoop).connect(host: host, port: port).flatMap { upstream in
                    self.open.withLock {
                        $0[ObjectIdentifier(channel)] = channel
                        $0[ObjectIdentifier(upstream)] = upstream
                    }
                    return upstream.pipeline.addHandler(Glue(relay: self, partner: channel)).flatMap {
                        channel.pipeline.addHandler(Glue(relay: self, partner: upstream))
                    }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        server.withLock { $0 = channel }
        return "redis://127.0.0.1:\(channel.localAddress!.port!)/\(target.database)"
    }

    func set(_ newMode: Mode) {
        mode.withLock { $0 = newMode }
        if newMode == .refuse {
            for channel in open.withLock({ Array($0.values) }) { channel.close(promise: nil) }
        }
    }

    func stop() async throws {
        try await server.withLock { $0 }?.close()
        set(.refuse)
        try await group.shutdownGracefully()
    }
}
