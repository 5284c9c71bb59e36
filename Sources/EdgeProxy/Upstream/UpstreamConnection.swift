import NIOCore
import NIOHTTP1

/// What an upstream connection reports to whoever is using it (a client connection's proxy handler).
/// Called on the connection's event loop, which is always the client's own.
protocol UpstreamConnectionDelegate: AnyObject {
    func upstreamResponsePart(_ part: UpstreamResponsePart)
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
    let handler: UpstreamConnectionHandler
    /// Whether this connection already carried an exchange (a reused one may have been closed by the peer).
    var exchanges = 0
    /// Given back to the pool at (the pool closes it after its idle timeout).
    var idleSince = NIODeadline.uptimeNanoseconds(0)

    init(channel: any Channel, serverIndex: Int, handler: UpstreamConnectionHandler) {
        self.channel = channel
        self.serverIndex = serverIndex
        self.handler = handler
    }

    /// Open, and between responses with none awaited: only then may it carry (another) request.
    var isActive: Bool { channel.isActive && !handler.isClosed && handler.isBetweenResponses }
}

/// An upstream channel's only handler: writes requests as bytes (the head from `ForwardedHeaders.upstreamRequest`,
/// the body framed to match), reads the responses itself (`UpstreamResponseParser`), hands their parts to the
/// delegate, and lets it hold reads (backpressure: the upstream is read only while the client can take more).
final class UpstreamConnectionHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Strong, not weak: a weak reference would give every client handler a side table, and each of its many
    /// retains and releases per exchange the runtime's slow path. Cleared when the exchange ends, when the
    /// connection goes back to its pool, and when it closes (`channelInactive`), which ends the cycle.
    var delegate: (any UpstreamConnectionDelegate)? {
        didSet { delegateChanges &+= 1 }
    }
    /// Counts the delegate's changes: a read loads the reference once, and again only if a part changed it.
    private var delegateChanges = 0
    /// Called when the connection closes without a delegate (idle in the pool); set once, by the pool, and
    /// dropped at the close (it holds the pool and the connection strongly, for the same reason as `delegate`).
    var onIdleClose: (() -> Void)?
    private(set) var isClosed = false
    /// No response is under way or awaited on the connection.
    var isBetweenResponses: Bool { parser.isIdle }
    private var readsHeld = false
    private var readPending = false
    private var context: ChannelHandlerContext?
    private var parser = UpstreamResponseParser()
    /// The request body under way goes out in chunks.
    private var chunkedBody = false

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        delegate = nil
        onIdleClose = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        var current = delegate
        var seen = delegateChanges
        do {
            // Bytes on a pooled idle connection are unsolicited: the parser refuses them.
            while let part = try parser.next(&buffer) {
                if seen != delegateChanges {
                    current = delegate
                    seen = delegateChanges
                }
                guard let current else { return context.close(promise: nil) }
                current.upstreamResponsePart(part)
            }
        } catch {
            // A malformed response: the connection is unusable (the exchange fails as for a reset).
            context.close(promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        delegate?.upstreamReadComplete()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        isClosed = true
        // A body delimited by the close ends here; a response cut short just fails (`upstreamClosed`).
        if let end = try? parser.inputEnded(), let delegate { delegate.upstreamResponsePart(end) }
        let idleClose = onIdleClose
        onIdleClose = nil
        if let delegate {
            self.delegate = nil
            delegate.upstreamClosed()
        } else {
            idleClose?()
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Resets: the connection is unusable.
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

    // Requests are written from this handler's place, the end of the pipeline: one hop fewer than `channel.write`,
    // which enters at the tail, and no existential `Channel` call. On the channel's loop.

    /// A request head (`ForwardedHeaders.upstreamRequest`); `chunked`: its body goes out in chunks.
    func sendHead(_ bytes: ByteBuffer, method: HTTPMethod, chunked: Bool) {
        parser.requestSent(method)
        chunkedBody = chunked
        context?.write(wrapOutboundOut(bytes), promise: nil)
    }

    func sendBody(_ bytes: ByteBuffer) {
        guard let context else { return }
        guard chunkedBody else { return context.write(wrapOutboundOut(bytes), promise: nil) }
        guard bytes.readableBytes > 0 else { return }  // an empty chunk would end the body
        context.write(wrapOutboundOut(ResponseFraming.chunkSizeLine(bytes.readableBytes, allocator: context.channel.allocator)),
                      promise: nil)
        context.write(wrapOutboundOut(bytes), promise: nil)
        context.write(wrapOutboundOut(ResponseFraming.chunkEnd), promise: nil)
    }

    func sendEnd() {
        guard chunkedBody else { return }
        chunkedBody = false
        context?.write(wrapOutboundOut(ResponseFraming.lastChunk), promise: nil)
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
