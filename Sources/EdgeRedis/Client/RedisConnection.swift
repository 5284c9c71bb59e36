import Logging
import NIOCore
import NIOPosix

/// One TCP connection to Redis, set up (AUTH, SELECT, then the caller's setup commands such as SCRIPT LOAD)
/// and ready for pipelined commands. Completes its commands on its channel's event loop.
final class RedisConnection: Sendable {
    let channel: any Channel
    let commandTimeout: TimeAmount

    private init(channel: any Channel, commandTimeout: TimeAmount) {
        self.channel = channel
        self.commandTimeout = commandTimeout
    }

    /// Sends one command; the reply (or an error reply as `RedisClientError.server`) completes the future.
    func send(_ command: RESPCommand, deadline: NIODeadline? = nil) -> EventLoopFuture<RESPValue> {
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        guard command.isComplete else {
            promise.fail(RedisClientError.unexpectedReply("\(command.name): incomplete command"))
            return promise.futureResult
        }
        let request = RedisRequest(
            command: command, promise: promise, deadline: deadline ?? .now() + commandTimeout)
        // A write that cannot happen (the channel closed meanwhile) never reaches the handler's queue.
        channel.writeAndFlush(request).whenFailure { _ in promise.fail(RedisClientError.connectionClosed) }
        return promise.futureResult
    }

    func close() {
        channel.close(promise: nil)
    }

    /// Connects on `eventLoop` and runs the setup; the whole takes at most `configuration.connectTimeout`.
    static func connect(
        _ configuration: RedisConfiguration, setup: [RESPCommand], on eventLoop: any EventLoop, logger: Logger
    ) -> EventLoopFuture<RedisConnection> {
        let deadline = NIODeadline.now() + configuration.connectTimeout
        let limits = configuration.limits
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(configuration.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPDecoder(limits: limits)))
                    try channel.pipeline.syncOperations.addHandler(RedisCommandHandler())
                }
            }
        let host = configuration.host
        let port = configuration.port
        return bootstrap.connect(host: host, port: port)
            .flatMapErrorThrowing { error in
                if case ChannelError.connectTimeout = error {
                    throw RedisClientError.connectTimeout(host: host, port: port)
                }
                throw RedisClientError.unavailable(lastError: "connect to \(host):\(port): \(error)")
            }
            .flatMap { channel in
                let connection = RedisConnection(channel: channel, commandTimeout: configuration.commandTimeout)
                var commands: [RESPCommand] = []
                if let password = configuration.password {
                    if let username = configuration.username {
                        commands.append(RESPCommand(["AUTH", username, password]))
                    } else {
                        commands.append(RESPCommand(["AUTH", password]))
                    }
                }
                if configuration.database != 0 {
                    commands.append(RESPCommand(["SELECT", "\(configuration.database)"]))
                }
                commands += setup
                // Pipelined: one round trip for the whole setup.
                let replies = commands.map { command in
                    connection.send(command, deadline: deadline).flatMapErrorThrowing { error -> RESPValue in
                        switch error as? RedisClientError {
                        case .server(let message):
                            throw RedisClientError.setupFailed(command: command.name, reply: message)
                        case .commandTimeout: throw RedisClientError.connectTimeout(host: host, port: port)
                        default: throw error
                        }
                    }
                }
                return EventLoopFuture.whenAllSucceed(replies, on: channel.eventLoop)
                    .map { _ in
                        logger.debug("redis connected", metadata: ["redis": "\(configuration)"])
                        return connection
                    }
                    .flatMapErrorThrowing { error in
                        connection.close()
                        throw error
                    }
            }
    }
}
