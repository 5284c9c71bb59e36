import NIOCore
import NIOSSL
import NIOTLS

/// Sits right after `NIOSSLServerHandler` until the handshake ends: closes the connection when it has not
/// finished within `timeout`, counts the outcome, and keeps a failed handshake's error from reaching the
/// listener's handlers (the connection is closed, there is nobody to answer). Removes itself on success.
final class TLSHandshakeWatch: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: TimeAmount
    private let counters: TLSHandshakeCounters?
    private var timer: Scheduled<Void>?
    /// The handshake completed, failed or timed out: nothing more to count.
    private var settled = false

    init(timeout: TimeAmount, counters: TLSHandshakeCounters?) {
        self.timeout = timeout
        self.counters = counters
    }

    func handlerAdded(context: ChannelHandlerContext) {
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            // Cancelled on every other outcome, on this loop: firing means the handshake is still under way.
            settle()
            counters?.timedOut.add(1, ordering: .relaxed)
            context.close(promise: nil)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if !settled, case .handshakeCompleted = event as? TLSUserEvent {
            settle()
            counters?.completed.add(1, ordering: .relaxed)
            context.fireUserInboundEventTriggered(event)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !settled else { return }  // after a timeout: the close's own errors
        settle()
        counters?.failed.add(1, ordering: .relaxed)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !settled {
            // The client left before finishing the handshake.
            settle()
            counters?.failed.add(1, ordering: .relaxed)
        }
        context.fireChannelInactive()
    }

    private func settle() {
        settled = true
        timer?.cancel()
        timer = nil
    }
}
