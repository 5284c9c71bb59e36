import NIOCore

/// A command on its way to Redis with the promise its reply completes and its deadline.
struct RedisRequest {
    var command: RESPCommand
    var promise: EventLoopPromise<RESPValue>
    var deadline: NIODeadline
}

/// Pipelines commands on one connection: each write is sent at once, and replies (which Redis returns in
/// order) complete the promises in the order the commands were written.
///
/// One timer watches the oldest command's deadline (commands are queued in deadline order as all use the same
/// timeout). When it passes, every pending command fails and the connection closes: after a lost reply the
/// order of the rest cannot be trusted, and the pool opens a new connection.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisRequest
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var promise: EventLoopPromise<RESPValue>
        var deadline: NIODeadline
        var name: String
    }

    private var pending = CircularBuffer<Pending>(initialCapacity: 16)
    private var timer: Scheduled<Void>?
    /// The deadline the timer was set for: when it fires, a head command with this deadline or an earlier one
    /// has timed out (no clock read, so an `EmbeddedEventLoop`'s time works too).
    private var timerDeadline = NIODeadline.distantPast
    private var closedError: RedisClientError?

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let closedError {
            request.promise.fail(closedError)
            promise?.fail(closedError)
            return
        }
        pending.append(Pending(promise: request.promise, deadline: request.deadline, name: request.command.name))
        if timer == nil { armTimer(context: context) }
        context.write(wrapOutboundOut(request.command.bytes), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        guard let head = pending.popFirst() else {
            failAll(.protocolError("a reply arrived with no command pending"), context: context)
            return
        }
        if case .error(let message) = value {
            head.promise.fail(RedisClientError.server(message))
        } else {
            head.promise.succeed(value)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(.connectionClosed, context: context)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let reason: RedisClientError
        if let parse = error as? RESPParseError {
            reason = .protocolError("\(parse)")
        } else if let redis = error as? RedisClientError {
            reason = redis
        } else {
            reason = .connectionClosed
        }
        failAll(reason, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failAll(.connectionClosed, context: context)
    }

    private func armTimer(context: ChannelHandlerContext) {
        guard let head = pending.first else {
            timer = nil
            return
        }
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timerDeadline = head.deadline
        timer = context.eventLoop.scheduleTask(deadline: head.deadline) {
            let (handler, context) = loopBound.value
            handler.timerFired(context: context)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        timer = nil
        guard let head = pending.first else { return }
        if head.deadline <= timerDeadline {
            failAll(.commandTimeout(command: head.name), context: context)
        } else {
            armTimer(context: context)
        }
    }

    /// Fails every pending command with `error` and closes the connection (once).
    private func failAll(_ error: RedisClientError, context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        let wasOpen = closedError == nil
        if wasOpen { closedError = error }
        while let entry = pending.popFirst() { entry.promise.fail(error) }
        if wasOpen { context.close(promise: nil) }
    }
}
