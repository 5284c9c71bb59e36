import Logging
import NIOCore

/// A small Redis client on SwiftNIO: RESP2, pipelined, a few connections per event loop, connect and command
/// timeouts, reconnect with exponential backoff and jitter. It implements only what the rate-limit store
/// needs; any command can be sent as a `RESPCommand`.
///
/// Called on one of the group's event loops (the proxy's hot path), a command goes out on that loop's own
/// connection and its future completes on that loop: no lock, no thread hop. Called from elsewhere, it hops
/// to a loop of the group first.
public final class RedisClient: Sendable {
    public let configuration: RedisConfiguration
    public let eventLoopGroup: any EventLoopGroup
    private let pools: [ObjectIdentifier: RedisLoopPool]

    /// `setup` commands run on every new connection after AUTH and SELECT (the store loads its script).
    public init(
        configuration: RedisConfiguration, eventLoopGroup: any EventLoopGroup, setup: [RESPCommand] = [],
        logger: Logger = Logger(label: "ayaka-edge.redis")
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        var pools: [ObjectIdentifier: RedisLoopPool] = [:]
        for loop in eventLoopGroup.makeIterator() {
            pools[ObjectIdentifier(loop)] = RedisLoopPool(
                eventLoop: loop, configuration: configuration, setup: setup, logger: logger)
        }
        self.pools = pools
    }

    /// Sends `command` from `eventLoop` (default: any loop of the group); the future completes on `eventLoop`.
    public func send(_ command: RESPCommand, on eventLoop: (any EventLoop)? = nil) -> EventLoopFuture<RESPValue> {
        let loop = eventLoop ?? eventLoopGroup.next()
        if let pool = pools[ObjectIdentifier(loop)] {
            if loop.inEventLoop { return pool.send(command) }
            return loop.flatSubmit { pool.send(command) }
        }
        // A loop outside the group: use one of ours and come back.
        let owner = eventLoopGroup.next()
        guard let pool = pools[ObjectIdentifier(owner)] else {
            return loop.makeFailedFuture(RedisClientError.shutdown)
        }
        return owner.flatSubmit { pool.send(command) }.hop(to: loop)
    }

    public func send(_ command: RESPCommand) async throws -> RESPValue {
        try await send(command, on: nil).get()
    }

    /// `PING`: true when Redis answers `PONG`.
    public func ping(on eventLoop: (any EventLoop)? = nil) -> EventLoopFuture<Bool> {
        send(RESPCommand(["PING"]), on: eventLoop).map { $0.string == "PONG" }
    }

    /// Closes every connection; later commands fail with `RedisClientError.shutdown`.
    public func shutdown() async {
        for pool in pools.values {
            try? await pool.eventLoop.submit { pool.shutdown() }.get()
        }
    }
}
