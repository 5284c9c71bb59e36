import Logging
import NIOCore

/// The connections of one event loop (`RedisConfiguration.connectionsPerLoop`, usually one or two), used
/// only on that loop: a caller on the loop sends with no lock and no thread hop.
///
/// Commands go round-robin to connected slots; a slot without a connection connects lazily on the first
/// command and queues commands meanwhile (bounded by the connect timeout). During a slot's backoff its
/// commands fail at once with `RedisClientError.unavailable`.
final class RedisLoopPool: @unchecked Sendable {
    // @unchecked: every mutable field is touched only on `eventLoop` (asserted in each entry point).
    let eventLoop: any EventLoop
    private let configuration: RedisConfiguration
    private let setup: [RESPCommand]
    private let logger: Logger
    private var slots: [ConnectionSlotStateMachine<RedisConnection>]
    private var waiters: [[RedisRequest]]
    private var next = 0

    init(eventLoop: any EventLoop, configuration: RedisConfiguration, setup: [RESPCommand], logger: Logger) {
        self.eventLoop = eventLoop
        self.configuration = configuration
        self.setup = setup
        self.logger = logger
        let count = max(1, configuration.connectionsPerLoop)
        slots = Array(
            repeating: ConnectionSlotStateMachine(
                initialBackoff: configuration.initialBackoff, maximumBackoff: configuration.maxBackoff),
            count: count)
        waiters = Array(repeating: [], count: count)
    }

    /// Sends `command`; must be called on `eventLoop`. The future completes on `eventLoop`.
    func send(_ command: RESPCommand) -> EventLoopFuture<RESPValue> {
        eventLoop.assertInEventLoop()
        let index = pickSlot()
        let now = NIODeadline.now()
        switch slots[index].commandRequested(now: now) {
        case .send(let connection):
            return connection.send(command)
        case .fail(let error):
            return eventLoop.makeFailedFuture(error)
        case .wait:
            return enqueue(command, slot: index, now: now)
        case .connect:
            let future = enqueue(command, slot: index, now: now)
            connect(slot: index)
            return future
        }
    }

    func shutdown() {
        eventLoop.assertInEventLoop()
        for index in slots.indices {
            slots[index].shutdown()?.close()
            let queued = waiters[index]
            waiters[index] = []
            for request in queued { request.promise.fail(RedisClientError.shutdown) }
        }
    }

    /// Round-robin, preferring a slot with a live connection.
    private func pickSlot() -> Int {
        let count = slots.count
        if count == 1 { return 0 }
        for offset in 0..<count {
            let index = (next + offset) % count
            if slots[index].connection != nil {
                next = (index + 1) % count
                return index
            }
        }
        let index = next
        next = (next + 1) % count
        return index
    }

    private func enqueue(_ command: RESPCommand, slot: Int, now: NIODeadline) -> EventLoopFuture<RESPValue> {
        let promise = eventLoop.makePromise(of: RESPValue.self)
        waiters[slot].append(
            RedisRequest(command: command, promise: promise, deadline: now + configuration.commandTimeout))
        return promise.futureResult
    }

    private func connect(slot index: Int) {
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        RedisConnection.connect(configuration, setup: setup, on: eventLoop, logger: logger)
            .hop(to: eventLoop)
            .whenComplete { result in bound.value.connectFinished(slot: index, result) }
    }

    private func connectFinished(slot index: Int, _ result: Result<RedisConnection, any Error>) {
        let queued = waiters[index]
        waiters[index] = []
        switch result {
        case .success(let connection):
            switch slots[index].connectSucceeded(connection) {
            case .flushWaiters(let connection):
                watchClose(connection, slot: index)
                for request in queued {
                    // A full command timeout from now: the wait for the connect was bounded by the connect timeout.
                    connection.send(request.command).cascade(to: request.promise)
                }
            case .closeAndFailWaiters(let connection, let error):
                connection.close()
                for request in queued { request.promise.fail(error) }
            }
        case .failure(let error):
            let redisError = error as? RedisClientError ?? .unavailable(lastError: "\(error)")
            let delay = slots[index].connectFailed(redisError, now: .now(), jitter: Double.random(in: 0...1))
            logger.warning(
                "redis connect failed",
                metadata: [
                    "redis": "\(configuration)", "error": "\(redisError)",
                    "retry_in_ms": "\(delay.nanoseconds / 1_000_000)",
                ])
            for request in queued { request.promise.fail(redisError) }
        }
    }

    private func watchClose(_ connection: RedisConnection, slot index: Int) {
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        connection.channel.closeFuture.hop(to: eventLoop).whenComplete { _ in
            bound.value.slots[index].connectionClosed(connection)
        }
    }
}
