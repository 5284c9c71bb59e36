import NIOCore

/// Bounds the time between a request's first byte and its complete head (slowloris: headers trickled one
/// byte at a time hold a connection forever otherwise). Sits before the HTTP decoder, so on expiry it writes a
/// raw 408 and closes. The proxy handler tells it when a head is complete and when the next one is awaited.
final class HeaderTimeoutHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var awaitingHead = true
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    private let phase: ConnectionPhase?

    init(timeout: TimeAmount, phase: ConnectionPhase? = nil) {
        self.timeout = timeout
        self.phase = phase
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if awaitingHead, timer == nil {
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { self.expire() }
            phase?.enter(.reading)
        }
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    /// The decoder produced a complete head.
    func headReceived() {
        awaitingHead = false
        timer?.cancel()
        timer = nil
    }

    /// The exchange is over; the next bytes start a new head.
    func awaitNextHead() {
        awaitingHead = true
    }

    private func expire() {
        timer = nil
        guard let context, awaitingHead else { return }
        context.writeAndFlush(wrapOutboundOut(LocalResponse.headersTimedOut.closingBytes(allocator: context.channel.allocator)))
            .assumeIsolated().whenComplete { _ in LingeringClose.close(context) }
    }
}

/// Answers a connection over a connection cap with a raw response, then closes it.
final class ConnectionRefusalHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let response: LocalResponse

    init(_ refusal: ConnectionLimiter.Refusal) {
        switch refusal {
        case .perIP:
            response = .error(.tooManyRequests, "Too many open connections from your address.")
        case .total:
            response = .error(.serviceUnavailable, "The proxy is at its connection limit.")
        }
    }

    /// Added after a PROXY header, the connection is active already.
    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { respond(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        respond(context: context)
    }

    private func respond(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(response.closingBytes(allocator: context.channel.allocator)))
            .assumeIsolated().whenComplete { _ in LingeringClose.close(context) }
    }

    /// Input is discarded; the client closing its side ends the linger.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event { context.close(promise: nil) }
    }
}
