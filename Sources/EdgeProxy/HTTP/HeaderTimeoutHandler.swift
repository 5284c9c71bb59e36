import NIOCore

/// Marks when a request head starts (its first byte), for the header timeout (slowloris: headers trickled
/// one byte at a time hold a connection forever otherwise), and answers 408 when told the head is late. It
/// sits before the proxy handler, so it sees the first byte of a head the handler's parser has yet to complete.
/// The proxy handler's deadline timer decides when (`ClientDeadlines`); no timer lives here.
///
/// Inbound only: every response write, flush and read request of the connection passes it by (as a duplex
/// handler it was one more hop for each of them).
final class HeaderTimeoutHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The first byte of the awaited head arrived at; nil before it, and once the head is complete.
    private(set) var headStartedAt: NIODeadline?
    private var awaitingHead = true
    private var context: ChannelHandlerContext?
    private let phase: ConnectionPhase?

    init(phase: ConnectionPhase? = nil) {
        self.phase = phase
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if awaitingHead, headStartedAt == nil {
            headStartedAt = context.eventLoop.now
            phase?.enter(.reading)
        }
        context.fireChannelRead(data)
    }

    /// The decoder produced a complete head.
    func headReceived() {
        awaitingHead = false
        headStartedAt = nil
    }

    /// The exchange is over; the next bytes start a new head.
    func awaitNextHead() {
        awaitingHead = true
    }

    /// The head took too long: a raw 408, then close.
    func answerTimedOut() {
        guard let context, awaitingHead else { return }
        awaitingHead = false
        headStartedAt = nil
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
