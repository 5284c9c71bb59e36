import EdgeMetrics
import NIOCore
import NIOWebSocket

/// The client side of a relayed gateway connection: checks every client frame against the relay's
/// state machine, forwards it upstream, writes upstream frames back, and runs the keepalive timer.
final class GatewayClientRelay: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private var machine: GatewayRelayStateMachine
    private let upstream: GatewayUpstreamRelay
    private let clock: @Sendable () -> Int64
    private let onClose: () -> Void
    private var context: ChannelHandlerContext?
    private var pingTimer: Scheduled<Void>?
    private var readsHeld = false
    private var readPending = false
    private var closed = false
    /// The proxy is closing this session itself and writes the client's close frame.
    private var proxyClosing = false
    /// The upstream's close frame as written to the client.
    private var relayedClose: EventLoopFuture<Void>?

    /// This loop's metrics shard, and the close code the client last got (1006: none, the TCP just ended).
    private let metrics: MetricsShard?
    private var closeCode: UInt16 = 1006

    init(limits: GatewayRelayStateMachine.Limits, upstream: GatewayUpstreamRelay,
         clock: @escaping @Sendable () -> Int64, metrics: MetricsShard? = nil, onClose: @escaping () -> Void) {
        self.metrics = metrics
        self.machine = GatewayRelayStateMachine(limits: limits, now: clock())
        self.upstream = upstream
        self.clock = clock
        self.onClose = onClose
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        upstream.attach(client: self)
        schedulePingCheck()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch machine.clientFrame(opcode: frame.opcode, fin: frame.fin, length: frame.length, now: clock()) {
        case .forward:
            switch frame.opcode {
            case .text, .binary: metrics?.gatewayMessage(fromClient: true)
            case .ping: metrics?.gatewayPingRelayed()
            case .connectionClose:
                var data = frame.unmaskedData
                closeCode = data.readInteger(as: UInt16.self) ?? 1005
            default: break
            }
            // Client frames arrive masked; the encoder masks `data` with `maskKey` again on the way up.
            var outbound = frame
            outbound.data = frame.unmaskedData
            outbound.maskKey = frame.maskKey ?? .random()
            upstream.send(outbound)
        case .close(let reason):
            closeBoth(reason)
        case .drop:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        upstream.flush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        upstream.clientGone()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        switch error {
        case NIOWebSocketError.invalidFrameLength:
            closeBoth(.messageTooBig)
        case is NIOWebSocketError:
            closeBoth(.protocolError)
        default:
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is GatewayGoingAway {
            closeBoth(.goingAway)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        upstream.holdReads(!context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if readsHeld { readPending = true } else { context.read() }
    }

    // MARK: called by the upstream side

    func sendToClient(_ frame: WebSocketFrame) {
        guard let context, !closed else { return }
        switch frame.opcode {
        case .connectionClose:
            var data = frame.unmaskedData
            closeCode = data.readInteger(as: UInt16.self) ?? 1005
            relayedClose = context.writeAndFlush(wrapOutboundOut(frame))
            return
        case .text, .binary:
            metrics?.gatewayMessage(fromClient: false)
        default:
            break
        }
        context.write(wrapOutboundOut(frame), promise: nil)
        if !context.channel.isWritable { upstream.holdReads(true) }
    }

    func flush() { context?.flush() }

    func holdReads(_ hold: Bool) {
        readsHeld = hold
        if !hold, readPending, let context {
            readPending = false
            context.read()
        }
    }

    /// The upstream connection ended. With its own close frame already relayed, the client just gets
    /// the TCP close; without one, the upstream died and the client gets 1011.
    func upstreamGone(sawCloseFrame: Bool) {
        guard let context, !closed, !proxyClosing else { return }
        if let relayedClose {
            // Close the TCP connection only once the relayed close frame is on the wire.
            relayedClose.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        } else if sawCloseFrame || machine.isClosing {
            context.close(promise: nil)
        } else {
            _ = machine.close(.upstreamFailed)
            proxyClosing = true
            sendCloseAndClose(.upstreamFailed)
        }
    }

    // MARK: closing

    /// Ends both sides: the upstream first, since the client's close may complete at once on loopback and
    /// would otherwise report the client as simply gone.
    private func closeBoth(_ reason: GatewayRelayStateMachine.CloseReason) {
        _ = machine.close(reason)
        proxyClosing = true
        upstream.closeByProxy(reason)
        sendCloseAndClose(reason)
    }

    private func sendCloseAndClose(_ reason: GatewayRelayStateMachine.CloseReason) {
        guard let context, !closed else { return }
        closeCode = reason.code
        if reason == .sessionTimedOut { metrics?.gatewayPingTimeout() }
        let frame = WebSocketFrame.close(code: reason.code, reason: reason.text, allocator: context.channel.allocator)
        context.writeAndFlush(wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    private func finish() {
        guard !closed else { return }
        closed = true
        metrics?.gatewayClosed(code: closeCode)
        pingTimer?.cancel()
        pingTimer = nil
        onClose()
    }

    private func schedulePingCheck() {
        guard let context else { return }
        let delay = max(0, machine.pingDeadline - clock())
        pingTimer = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(delay + 1_000_000)) {
            switch self.machine.pingCheck(now: self.clock()) {
            case .close(let reason):
                self.proxyClosing = true
                self.upstream.closeByProxy(reason)
                self.sendCloseAndClose(reason)
            case .forward:
                self.schedulePingCheck()
            case .drop:
                break
            }
        }
    }
}

/// The upstream side: frames from the gateway upstream go to the client as they are. Reads are held
/// until the client side is attached (the upstream may speak first) and whenever the client is slow.
final class GatewayUpstreamRelay: ChannelDuplexHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private weak var client: GatewayClientRelay?
    private var context: ChannelHandlerContext?
    private var readsHeld = true
    private var readPending = false
    private var sawCloseFrame = false
    private var clientLeft = false

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func attach(client: GatewayClientRelay) {
        self.client = client
        holdReads(false)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var frame = unwrapInboundIn(data)
        if frame.opcode == .connectionClose { sawCloseFrame = true }
        if frame.maskKey != nil {  // servers must not mask; tolerate it by unmasking
            frame.data = frame.unmaskedData
            frame.maskKey = nil
        }
        client?.sendToClient(frame)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        client?.flush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        client?.upstreamGone(sawCloseFrame: sawCloseFrame)
        client = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        client?.holdReads(!context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if readsHeld { readPending = true } else { context.read() }
    }

    func send(_ frame: WebSocketFrame) {
        guard let context else { return }
        context.write(wrapOutboundOut(frame), promise: nil)
        if !context.channel.isWritable { client?.holdReads(true) }
    }

    func flush() { context?.flush() }

    func holdReads(_ hold: Bool) {
        readsHeld = hold
        if !hold, readPending, let context {
            readPending = false
            context.read()
        }
    }

    /// The client went away: tell the upstream (1001) unless a close handshake is already under way.
    func clientGone() {
        guard !clientLeft else { return }
        clientLeft = true
        client = nil
        guard let context else { return }
        if sawCloseFrame {
            context.close(promise: nil)
            return
        }
        let frame = WebSocketFrame.close(code: 1001, reason: "Client went away", allocator: context.channel.allocator,
                                         masked: true)
        context.writeAndFlush(wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// The proxy closed the client (limits, shutdown): end the upstream session with 1000, or 1001 on shutdown.
    func closeByProxy(_ reason: GatewayRelayStateMachine.CloseReason) {
        guard let context, !clientLeft else { return }
        clientLeft = true
        let code: UInt16 = reason == .goingAway ? 1001 : 1000
        let frame = WebSocketFrame.close(code: code, reason: "Closed by the proxy: \(reason.text)",
                                         allocator: context.channel.allocator, masked: true)
        context.writeAndFlush(wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

/// Fired into every gateway client pipeline on shutdown: clients get 1001 `Going away`.
struct GatewayGoingAway: Sendable {}

extension WebSocketFrame {
    /// A close frame with a status code and reason; masked when sent by the proxy as a client.
    static func close(code: UInt16, reason: String, allocator: ByteBufferAllocator, masked: Bool = false)
        -> WebSocketFrame
    {
        var data = allocator.buffer(capacity: 2 + reason.utf8.count)
        data.writeInteger(code)
        data.writeString(reason)
        return WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: masked ? .random() : nil, data: data)
    }
}
