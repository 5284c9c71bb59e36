import NIOCore

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
