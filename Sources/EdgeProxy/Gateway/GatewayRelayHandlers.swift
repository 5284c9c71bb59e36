import EdgeCore
import EdgeMetrics
import NIOCore
import NIOWebSocket

/// The client side of a relayed gateway connection: checks every client frame against the relay's
/// state machine, forwards it upstream, writes upstream frames back; its loop's session list checks its keepalive.
///
/// Frames travel as the bytes that arrived (`GatewayFrameScanner`): no decoding, copying or re-masking.
final class GatewayClientRelay: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    // Stored properties are laid out in this order: words first, then the small ones packed together.
    // Thousands of idle sessions are mostly this object and NIO's channels (`Benchmarks/harness/gateway_memory.sh`).
    private var machine: GatewayRelayStateMachine
    private var scanner = GatewayFrameScanner()
    let upstream: GatewayUpstreamRelay
    private let shared: GatewayContext
    private var context: ChannelHandlerContext?
    /// The upstream's close frame as written to the client.
    private var relayedClose: EventLoopFuture<Void>?
    /// This loop's metrics shard.
    private let metrics: MetricsShard?
    /// The client IP holding a connection slot, released when the session ends.
    private let client: IPAddress
    /// This relay's index in its loop's session list (-1: not in it); kept by the list.
    var sessionSlot: Int32 = -1
    /// The close code the client last got (1006: none, the TCP just ended).
    private var closeCode: UInt16 = 1006
    /// Whether the payload of the data frame under way goes upstream (false once the relay is closing).
    private var forwardingPayload = false
    private var readsHeld = false
    private var readPending = false
    private var closed = false
    /// The proxy is closing this session itself and writes the client's close frame.
    private var proxyClosing = false

    init(shared: GatewayContext, client: IPAddress, upstream: GatewayUpstreamRelay, loop: any EventLoop) {
        self.shared = shared
        self.client = client
        self.metrics = shared.telemetry?.shards.value(for: loop)
        self.machine = GatewayRelayStateMachine(now: shared.clock())
        self.upstream = upstream
    }

    /// This loop's session list (looked up when the session opens and when it ends, not kept).
    private func sessions(_ context: ChannelHandlerContext) -> GatewayLoopSessions {
        shared.sessions.list(for: context.eventLoop)
    }

    /// The client channel, while this handler is in its pipeline.
    var channel: (any Channel)? { context?.channel }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        metrics?.gatewayOpened()
        if let gauges = shared.telemetry?.counters.value(for: context.eventLoop) {
            gauges.gatewayActive.add(1, ordering: .relaxed)
            gauges.writing.add(1, ordering: .relaxed)
        }
        sessions(context).add(self, pingWindow: .nanoseconds(shared.limits.pingWindowNanos))
        upstream.attach(client: self)  // may relay what the upstream sent right after its 101
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        while !proxyClosing {
            let piece: GatewayFrameScanner.Piece?
            do {
                piece = try scanner.next(&buffer)
            } catch {
                return closeBoth(.protocolError)
            }
            switch piece {
            case nil:
                return
            case .dataMore(let bytes):
                if forwardingPayload { upstream.send(bytes) }
            case .dataStart(let header, let bytes):
                forwardingPayload = relay(header, bytes, closeCode: nil)
            case .control(let header, let bytes, let closeCode):
                _ = relay(header, bytes, closeCode: closeCode)
            }
        }
    }

    /// Checks a client frame with the state machine and forwards it; false if it was not forwarded.
    private func relay(_ header: GatewayFrameScanner.Header, _ bytes: ByteBuffer, closeCode: UInt16?) -> Bool {
        // Client frames must be masked (RFC 6455 5.1); they go upstream with the client's own mask.
        guard header.masked else {
            closeBoth(.protocolError)
            return false
        }
        switch machine.clientFrame(opcode: header.opcode, fin: header.fin, length: header.length, now: shared.clock(),
                                   limits: shared.limits) {
        case .forward:
            switch header.opcode {
            case .text, .binary: metrics?.gatewayMessage(fromClient: true)
            case .ping: metrics?.gatewayPingRelayed()
            case .connectionClose: self.closeCode = closeCode ?? 1005
            default: break
            }
            upstream.send(bytes)
            return true
        case .close(let reason):
            closeBoth(reason)
            return false
        case .drop:
            return false
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        upstream.flush()
        context.fireChannelReadComplete()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(context)
        upstream.clientGone()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Shutdown: the client gets 1001 `Going away`.
    func goAway() { closeBoth(.goingAway) }

    /// The drain deadline passed.
    func closeClient() { context?.close(promise: nil) }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        upstream.holdReads(!context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func read(context: ChannelHandlerContext) {
        if readsHeld { readPending = true } else { context.read() }
    }

    // MARK: called by the upstream side

    /// A piece of an upstream frame; `closeCode` when it is the upstream's close frame.
    func sendToClient(_ bytes: ByteBuffer, message: Bool, closeCode: UInt16? = nil) {
        guard let context, !closed else { return }
        if let closeCode {
            self.closeCode = closeCode
            relayedClose = context.writeAndFlush(wrapOutboundOut(bytes))
            return
        }
        if message { metrics?.gatewayMessage(fromClient: false) }
        context.write(wrapOutboundOut(bytes), promise: nil)
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
        let frame = GatewayFrames.close(code: reason.code, reason: reason.text, masked: false,
                                        allocator: context.channel.allocator)
        context.writeAndFlush(wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    private func finish(_ context: ChannelHandlerContext) {
        guard !closed else { return }
        closed = true
        metrics?.gatewayClosed(code: closeCode)
        sessions(context).remove(self)
        shared.connections.release(client)
        if let gauges = shared.telemetry?.counters.value(for: context.eventLoop) {
            gauges.gatewayActive.subtract(1, ordering: .relaxed)
            gauges.writing.subtract(1, ordering: .relaxed)
            gauges.active.subtract(1, ordering: .relaxed)  // counted since the accept (`GatewayHTTPHandler`)
        }
    }

    /// Called by the loop's keepalive sweep: a client silent for its whole ping window is closed with 4009.
    func keepaliveCheck() {
        guard !closed, case .close(let reason) = machine.pingCheck(now: shared.clock(), limits: shared.limits)
        else { return }
        proxyClosing = true
        upstream.closeByProxy(reason)
        sendCloseAndClose(reason)
    }
}

/// The upstream side: frames from the gateway upstream go to the client as the bytes that arrived. Reads
/// are held until the client side is attached (the upstream may speak first) and whenever the client is slow.
final class GatewayUpstreamRelay: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Strong (a weak reference costs a side table per session): cleared when either side ends.
    private var client: GatewayClientRelay?
    /// Also holds what the upstream sent before the client side was attached.
    private var scanner = GatewayFrameScanner()
    private var context: ChannelHandlerContext?
    private var readsHeld = true
    private var readPending = false
    private var sawCloseFrame = false
    private var clientLeft = false

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// The upstream channel, while this handler is in its pipeline.
    var channel: (any Channel)? { context?.channel }

    func attach(client: GatewayClientRelay) {
        self.client = client
        if !scanner.isIdle {
            var nothingMore = ByteBuffer()
            forward(&nothingMore)
            client.flush()
        }
        holdReads(false)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        guard client != nil else {
            // Sent right after the 101, before the client side was attached: kept for `attach`.
            if !clientLeft { scanner.hold(&buffer) }
            return
        }
        forward(&buffer)
    }

    private func forward(_ buffer: inout ByteBuffer) {
        while let client, let context {
            let piece: GatewayFrameScanner.Piece?
            do {
                piece = try scanner.next(&buffer)
            } catch {
                return context.close(promise: nil)
            }
            switch piece {
            case nil:
                return
            case .dataMore(let bytes):
                client.sendToClient(bytes, message: false)
            case .dataStart(let header, let bytes):
                // Servers must not mask (RFC 6455 5.1): the client would get frames it has to refuse.
                guard !header.masked else { return context.close(promise: nil) }
                client.sendToClient(bytes, message: header.opcode == .text || header.opcode == .binary)
            case .control(let header, let bytes, let closeCode):
                guard !header.masked else { return context.close(promise: nil) }
                if closeCode != nil { sawCloseFrame = true }
                client.sendToClient(bytes, message: false, closeCode: closeCode)
            }
        }
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

    func send(_ bytes: ByteBuffer) {
        guard let context else { return }
        context.write(wrapOutboundOut(bytes), promise: nil)
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
        let frame = GatewayFrames.close(code: 1001, reason: "Client went away", masked: true,
                                        allocator: context.channel.allocator)
        context.writeAndFlush(wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    /// The proxy closed the client (limits, shutdown): end the upstream session with 1000, or 1001 on shutdown.
    func closeByProxy(_ reason: GatewayRelayStateMachine.CloseReason) {
        guard let context, !clientLeft else { return }
        clientLeft = true
        let code: UInt16 = reason == .goingAway ? 1001 : 1000
        let frame = GatewayFrames.close(code: code, reason: "Closed by the proxy: \(reason.text)", masked: true,
                                        allocator: context.channel.allocator)
        context.writeAndFlush(wrapOutboundOut(frame)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}

/// Broadcast to every gateway session on shutdown: clients get 1001 `Going away`.
struct GatewayGoingAway: Sendable {}
