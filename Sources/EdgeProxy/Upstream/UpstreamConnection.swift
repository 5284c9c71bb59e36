import NIOCore
import NIOHTTP1

/// What an upstream connection reports to whoever is using it (a client connection's proxy handler).
/// Called on the connection's event loop, which is always the client's own.
protocol UpstreamConnectionDelegate: AnyObject {
    func upstreamResponsePart(_ part: HTTPClientResponsePart)
    func upstreamReadComplete()
    func upstreamWritabilityChanged(isWritable: Bool)
    func upstreamClosed()
}

/// One pooled HTTP/1.1 connection to an upstream server.
///
/// Between exchanges it sits in its pool with no delegate; data or a close in that state removes it.
final class UpstreamConnection {
    let channel: any Channel
    let serverIndex: Int
    let handler: UpstreamResponseHandler
    /// Whether this connection already carried an exchange (a reused one may have been closed by the peer).
    var exchanges = 0
    /// Given back to the pool at (the pool closes it after its idle timeout).
    var idleSince = NIODeadline.uptimeNanoseconds(0)

    init(channel: any Channel, serverIndex: Int, handler: UpstreamResponseHandler) {
        self.channel = channel
        self.serverIndex = serverIndex
        self.handler = handler
    }

    var isActive: Bool { channel.isActive && !handler.isClosed }
}

/// The last handler of an upstream channel: hands response parts to the delegate and lets it hold reads
/// (backpressure: the upstream is read only while the client can take more).
final class UpstreamResponseHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = HTTPClientRequestPart
    typealias OutboundOut = HTTPClientRequestPart

    weak var delegate: (any UpstreamConnectionDelegate)?
    /// Called when the connection closes without a delegate (idle in the pool); set once, by the pool.
    var onIdleClose: (() -> Void)?
    private(set) var isClosed = false
    private var readsHeld = false
    private var readPending = false
    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if let delegate { delegate.upstreamResponsePart(part) } else { context.close(promise: nil) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        isClosed = true
        if let delegate {
            self.delegate = nil
            delegate.upstreamClosed()
        } else {
            onIdleClose?()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Parse errors of the upstream's response, resets: the connection is unusable.
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        delegate?.upstreamWritabilityChanged(isWritable: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if readsHeld {
            readPending = true
        } else {
            context.read()
        }
    }

    /// Writes a request part from this handler's place, the end of the pipeline: one hop fewer than
    /// `channel.write`, which enters at the tail, and no existential `Channel` call. On the channel's loop.
    func send(_ part: HTTPClientRequestPart) {
        context?.write(wrapOutboundOut(part), promise: nil)
    }

    func flush() {
        context?.flush()
    }

    /// Stop or resume reading the upstream.
    func holdReads(_ hold: Bool) {
        readsHeld = hold
        if !hold, readPending, let context {
            readPending = false
            context.read()
        }
    }
}
