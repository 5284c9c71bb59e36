import NIOCore

/// The client handler's backpressure: client reads pause while the upstream (or the exchange) can't take more,
/// the upstream's reads while the client can't; a flush only when something was written.
extension ClientProxyHandler {
    func read(context: ChannelHandlerContext) {
        if clientReadsHeld {
            clientReadPending = true
        } else {
            context.read()
        }
    }

    func releaseClientReads() {
        guard clientReadsHeld else { return }
        clientReadsHeld = false
        if clientReadPending, let context {
            clientReadPending = false
            context.read()
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        upstream?.handler.holdReads(!context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func upstreamReadComplete() {
        // The upstream sent something: its read timeout runs from now (while a response is awaited or under way).
        if deadlines.upstreamActiveAt != nil { deadlines.upstreamActiveAt = context?.eventLoop.now }
        guard clientUnflushed, let context else { return }
        clientUnflushed = false
        writePendingHead(context: context)
        context.flush()
    }

    func upstreamWritabilityChanged(isWritable: Bool) {
        if isWritable { releaseClientReads() } else { clientReadsHeld = true }
    }
}
