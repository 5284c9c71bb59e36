import EdgeCore
import EdgeMetrics
import NIOCore
import NIOHTTP1

/// One client connection of the REST listener: admits each request, relays it to a pooled upstream
/// connection on the same event loop, and streams the response back with backpressure both ways.
///
/// All decisions about the exchange live in `ExchangeStateMachine`; this class feeds it events and
/// runs its actions. Pipelined requests (parts decoded while the previous exchange is still answered)
/// wait in `held`, with client reads paused, and are taken up in order when the connection is idle again.
final class ClientProxyHandler: ChannelDuplexHandler, UpstreamConnectionDelegate {
    /// Requests are read from the bytes by the handler itself (`ClientRequestParser`).
    typealias InboundIn = ByteBuffer
    /// Responses go out as bytes (`ClientResponseWriter`, `ResponseFraming`); nothing sits between this
    /// handler and the socket on the way out but TLS when the listener has it.
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The context in force for the current request, refreshed from `contexts` at each head.
    var shared: ProxyConnectionContext
    private let contexts: ContextSwitch<ProxyConnectionContext>.Box
    var machine = ExchangeStateMachine()
    var context: ChannelHandlerContext?
    var pool: UpstreamPool?
    private var peer: IPAddress?
    /// `peer` as `X-Forwarded-For` writes it, rendered once per connection.
    private var peerText = "unknown"
    private var peerTrusted = false
    /// The client as the listener learned it (a PROXY header's source); nil: the socket peer.
    private let client: IPAddress?
    /// `X-Forwarded-Proto`: `https` on a TLS listener.
    private let scheme: String
    private var requestIDs = RequestIDGenerator()

    // The current exchange.
    private(set) var requestHead: HTTPRequestHead?
    private(set) var requestID = RequestID.none
    var admission = Admission.relay()
    private var bodyBytes = 0
    /// How the request's body is framed (a chunked one goes upstream chunked too).
    private var requestBody = RequestHeadValidator.Body.none
    var upstream: UpstreamConnection?
    private var retriedStaleConnection = false
    private var upstreamKeepAlive = true
    var closeClientAfterResponse = false
    var responseInProgress = false
    /// How the relayed response under way goes to the client.
    private(set) var framing = ResponseFraming.none
    /// The proxy is shutting down: no further request on this connection.
    var draining = false
    /// A shared store is deciding on the current head.
    private var admitting = false
    /// The current request's `.end` arrived: parts from now on belong to the next (pipelined) request.
    private var requestEnded = true
    var parser: ClientRequestParser
    /// Parts read while they can't be taken up yet (a decision pending, or pipelined), in order.
    private var held = CircularBuffer<ClientRequestParser.Part>()

    // Backpressure, flushes and timeouts.
    /// Parts written without a flush (a flush walks the whole pipeline: only when something waits for it).
    private var upstreamUnflushed = false
    var clientUnflushed = false
    var clientReadsHeld = false
    var clientReadPending = false
    var deadlines: ClientDeadlines
    var deadlineTimer: Scheduled<Void>?

    // Metrics: this loop's shard, the connection's stub_status phase, the exchange under way.
    let phase: ConnectionPhase?
    var metrics: MetricsShard?
    /// This loop's share of the stub_status gauges.
    private var gauges: ConnectionGauges.Counters?
    private var windows: WindowRecorder?
    var record = ExchangeRecord()
    /// A relayed head not written yet: the body's first piece joins it when it fits (one write where there were
    /// two). Written before anything else goes to the client, and at the end of the upstream's read.
    var pendingHead: ByteBuffer?
    /// Room kept in a relayed head's buffer for the body's first piece (most API answers are smaller).
    static let coalescedBodyLimit = 2048
    /// The channel's allocator, kept at `handlerAdded`: no existential `Channel` call per buffer.
    var allocator = ByteBufferAllocator()

    init(
        contexts: ContextSwitch<ProxyConnectionContext>.Box, phase: ConnectionPhase? = nil, client: IPAddress? = nil,
        scheme: String = "http"
    ) {
        self.contexts = contexts
        self.client = client
        self.scheme = scheme
        self.shared = contexts.current
        self.deadlines = ClientDeadlines(headerTimeout: shared.headerTimeout, readTimeout: shared.readTimeout,
                                         idleTimeout: shared.idleTimeout)
        self.phase = phase
        self.parser = ClientRequestParser(maxHeaderSize: shared.limits.maxHeaderSize)
    }

    // MARK: channel lifecycle

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.allocator = context.channel.allocator
        self.pool = shared.pools.pool(for: context.eventLoop)
        self.metrics = shared.telemetry?.shards.value(for: context.eventLoop)
        self.gauges = shared.telemetry?.counters.value(for: context.eventLoop)
        self.windows = shared.telemetry?.windows?.value(for: context.eventLoop)
        if context.channel.isActive { connectionBecameActive(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        connectionBecameActive(context: context)
        context.fireChannelActive()
    }

    private func connectionBecameActive(context: ChannelHandlerContext) {
        guard peer == nil else { return }
        peer = client ?? context.channel.remoteAddress?.ipAddress
        peerText = peer?.description ?? "unknown"
        peerTrusted = peer.map(shared.isTrusted) ?? false
        deadlines.idleSince = context.eventLoop.now
        armDeadlineTimer()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelDeadlineTimer()
        // The client left mid-exchange: nginx's 499 "client closed request".
        if record.isPending {
            record.recordUpstream(.broken, shard: metrics, at: .now())
            record.finish(status: 499, admission: admission, shard: metrics, at: .now())
        }
        run(machine.clientClosed())
        context.fireChannelInactive()
    }

    // MARK: client → proxy

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        do {
            while let part = try parser.next(&buffer) {
                if mustHold {
                    held.append(part)
                    clientReadsHeld = true
                } else {
                    take(part, context: context)
                }
            }
        } catch {
            refuseMalformed(error as? HTTPWire.ParseError, context: context)
            return
        }
        // Part of a head is in: the header timeout runs from now. A head that came whole never needed it (nor the
        // Reading state of `/status`, which it passed through within this read).
        if deadlines.awaitingHead, deadlines.headStartedAt == nil, parser.holdsPartialHead { headStarted(context: context) }
    }

    /// Parts can't be taken up while a decision is pending, while the previous request is still being
    /// answered (pipelining), or while earlier parts wait.
    private var mustHold: Bool {
        admitting || (requestEnded && !machine.isIdle) || !held.isEmpty
    }

    /// Takes up held parts in order as far as the exchange allows, then lets the client send more.
    private func takeHeld(context: ChannelHandlerContext) {
        while !held.isEmpty, !admitting, !(requestEnded && !machine.isIdle) {
            take(held.removeFirst(), context: context)
        }
        if held.isEmpty, !admitting, machine.isIdle || !machine.shouldPauseClientReads { releaseClientReads() }
    }

    private func take(_ part: ClientRequestParser.Part, context: ChannelHandlerContext) {
        switch part {
        case .head(let head, let framing):
            requestEnded = false
            receiveHead(head, framing: framing, context: context)
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
            record.bytesIn = bodyBytes
            if bodyBytes > shared.limits.maxBodySize {
                run(machine.requestBodyTooLarge())
                return
            }
            run(machine.requestBody(buffer))
            if machine.shouldPauseClientReads { clientReadsHeld = true }
        case .end:
            requestEnded = true
            run(machine.requestEnd())
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if upstreamUnflushed {
            upstreamUnflushed = false
            upstream?.handler.flush()
        }
        context.fireChannelReadComplete()
    }

    /// - Parameter framing: `RequestHeadValidator`'s verdict, given by the parser (it decided where the body ends).
    private func receiveHead(
        _ head: HTTPRequestHead, framing: Result<RequestHeadValidator.Body, RequestHeadValidator.Problem>,
        context: ChannelHandlerContext
    ) {
        if contexts.current !== shared {
            // A reload happened: this request follows the new rules and upstreams.
            shared = contexts.current
            pool = shared.pools.pool(for: context.eventLoop)
            adoptTimeouts(of: shared)
        }
        deadlines.awaitingHead = false
        deadlines.headStartedAt = nil
        phase?.enter(.writing)
        gauges?.requests.add(1, ordering: .relaxed)
        record.begin(method: head.method, at: .now())
        deadlines.idleSince = nil
        requestHead = head
        bodyBytes = 0
        retriedStaleConnection = false
        closeClientAfterResponse = draining
        if let given = head.headers.first(name: "x-request-id"), !given.isEmpty, given.utf8.count <= 200 {
            requestID = .given(given)
        } else {
            requestID = requestIDs.next()
        }

        var refusal: LocalResponse? = nil
        switch framing {
        case .success(let body):
            requestBody = body
        case .failure:
            requestBody = .none
            refusal = .badRequest
        }
        let declaredLength = requestBody.declaredLength
        if refusal == nil, head.uri.utf8.count > shared.limits.maxHeaderSize {
            refusal = .uriTooLong
        }
        admission = Admission.relay()
        if let refusal {
            proceed(with: head, refusal: refusal, closeAfterRefusal: true, context: context)
            return
        }
        switch shared.admitter.admit(
            head, peer: peer ?? .v4(0), nowNanoseconds: shared.clock(), on: context.eventLoop, windows: windows
        ) {
        case .now(let decided):
            admit(head, decided, declaredLength: declaredLength, context: context)
        case .later(let future):
            // A shared store (Redis) is deciding: hold the client and keep whatever was already decoded.
            admitting = true
            clientReadsHeld = true
            future.assumeIsolated().whenComplete { result in
                self.admitting = false
                guard self.context != nil else { return }
                let decided = (try? result.get()) ?? Admission(rejection: .storeUnavailable, responseHeaders: [])
                self.admit(head, decided, declaredLength: declaredLength, context: context)
                self.takeHeld(context: context)
            }
        }
    }

    /// Continues a request head once the limiter has decided.
    private func admit(_ head: HTTPRequestHead, _ decided: Admission, declaredLength: Int?, context: ChannelHandlerContext) {
        admission = decided
        if let rejection = decided.rejection {
            proceed(with: head, refusal: rejection, closeAfterRefusal: false, context: context)
        } else if let length = declaredLength, length > shared.limits.maxBodySize {
            proceed(with: head, refusal: .bodyTooLarge, closeAfterRefusal: true, context: context)
        } else {
            proceed(with: head, refusal: nil, closeAfterRefusal: false, context: context)
        }
    }

    private func proceed(
        with head: HTTPRequestHead, refusal: LocalResponse?, closeAfterRefusal: Bool, context: ChannelHandlerContext
    ) {
        run(machine.requestHead(keepAlive: head.isKeepAlive, localResponse: refusal, closeAfterLocal: closeAfterRefusal))
        // `contains(name:)` first: the canonical-form lookup builds an array even when there is no such field.
        if refusal == nil, head.headers.contains(name: "expect"),
           head.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
            let interim = ClientResponseWriter.continueHead(version: head.version, allocator: allocator)
            context.writeAndFlush(wrapOutboundOut(interim), promise: nil)
        }
    }

    // MARK: upstream → proxy (UpstreamConnectionDelegate)

    func upstreamResponsePart(_ part: UpstreamResponsePart) {
        // The upstream's read timeout restarts once per read, in `upstreamReadComplete`.
        switch part {
        case .head(let head):
            upstreamKeepAlive = head.isKeepAlive
            let action = machine.responseHead()
            guard case .writeResponseHead = action, context != nil, let request = requestHead else {
                run(action)
                return
            }
            // An HTTP/1.0 client cannot take a chunked body: such a response is delimited by closing.
            let hasLength = head.carriesContentLength
            if request.version.minor == 0, !hasLength {
                closeClientAfterResponse = true
            }
            let keepAlive = request.isKeepAlive && !closeClientAfterResponse
            framing = ResponseFraming(status: head.status, requestMethod: request.method, version: request.version,
                                      hasContentLength: hasLength)
            pendingHead = ClientResponseWriter.relayedHead(
                head, framing: framing, clientVersion: request.version, keepAlive: keepAlive, admission: admission,
                requestID: requestID, allocator: allocator,
                spare: framing.bodyGoesAsIs ? Self.coalescedBodyLimit : 0, buffers: pool?.headBuffers
            )
            responseInProgress = true
            record.status = Int(head.status.code)
            clientUnflushed = true
        case .body(let buffer):
            let action = machine.responseBody()
            guard case .writeResponseBody = action, let context else {
                run(action)
                return
            }
            record.bytesOut += buffer.readableBytes
            if framing.bodyGoesAsIs, let room = pendingHead?.writableBytes, buffer.readableBytes <= room {
                pendingHead?.writeImmutableBuffer(buffer)
                return
            }
            writePendingHead(context: context)
            writeBody(buffer, context: context)
            clientUnflushed = true
            if !context.channel.isWritable { upstream?.handler.holdReads(true) }
        case .end:
            run(machine.responseEnd(upstreamKeepAlive: upstreamKeepAlive))
        }
    }

    func upstreamClosed() {
        guard let closed = upstream else { return }
        // A pooled connection the server closed just as we reused it: retry once on a fresh connection
        // when nothing came back yet and resending is safe (idempotent method, no body).
        if closed.exchanges > 1, !retriedStaleConnection, case .relaying(.complete, false) = machine.state,
           let head = requestHead, head.method.isSafeToRetry, bodyBytes == 0, let pool {
            retriedStaleConnection = true
            upstream = nil
            deadlines.upstreamActiveAt = nil
            machine.retryUpstream()
            pool.connectFresh(server: closed.serverIndex) { self.attach($0) }
            return
        }
        record.recordUpstream(.broken, shard: metrics, at: .now())
        pool?.health?.recordFailure(closed.serverIndex)
        run(machine.upstreamFailed())
    }

    // MARK: actions

    func run(_ action: ExchangeStateMachine.Action) {
        guard let context else { return }
        writePendingHead(context: context)
        switch action {
        case .none:
            break
        case .respond(let response, let close):
            writeLocal(response, close: close, context: context)
        case .connectUpstream:
            clientReadsHeld = true  // resumed once the upstream is there (or the request was answered)
            guard let pool else { return }
            pool.acquire { self.attach($0) }
        case .sendRequest(let held, let end):
            guard let upstream, let head = requestHead else { return }
            let upstreamHead = ForwardedHeaders.upstreamRequest(
                head, peer: peerText, peerTrusted: peerTrusted, requestID: requestID, proto: scheme, body: requestBody,
                allocator: allocator, buffers: pool?.headBuffers
            )
            upstream.handler.sendHead(upstreamHead, method: head.method, chunked: requestBody == .chunked)
            pool?.headBuffers.giveBack(upstreamHead, .request)
            for buffer in held { upstream.handler.sendBody(buffer) }
            if end { upstream.handler.sendEnd() }
            upstream.handler.flush()
            upstreamUnflushed = false
            record.upstream = upstream.serverIndex
            // One clock read for both (a read costs tens of nanoseconds in a VM; the loop's `now` is the same clock).
            let now = NIODeadline.now()
            record.upstreamSentAt = now
            deadlines.upstreamActiveAt = now
            if upstream.channel.isWritable { releaseClientReads() }
        case .forwardBody(let buffer):
            guard let upstream else { return }
            upstream.handler.sendBody(buffer)
            upstreamUnflushed = true
            if !upstream.channel.isWritable { clientReadsHeld = true }
        case .forwardEnd:
            upstream?.handler.sendEnd()
            upstream?.handler.flush()
            upstreamUnflushed = false
        case .writeResponseHead, .writeResponseBody:
            break  // handled inline where the part is at hand
        case .finishResponse(let reuse, let closeClient):
            let closing = closeClient || closeClientAfterResponse
            responseInProgress = false
            let now = NIODeadline.now()
            record.recordUpstream(nil, shard: metrics, at: now)
            record.finish(status: record.status, admission: admission, shard: metrics, at: now)
            deadlines.upstreamActiveAt = nil
            if let connection = upstream {
                upstream = nil
                pool?.health?.recordSuccess(connection.serverIndex)
                connection.handler.delegate = nil
                if reuse, let pool { pool.release(connection, now: now) } else { connection.channel.close(promise: nil) }
            }
            // A future only when something waits on it: most responses end a keep-alive exchange.
            clientUnflushed = false
            let last = framing.chunked ? ResponseFraming.lastChunk : nil
            framing = .none
            if closing {
                context.writeAndFlush(wrapOutboundOut(last ?? ByteBuffer())).assumeIsolated().whenComplete { _ in
                    context.close(promise: nil)
                }
            } else {
                if let last { context.write(wrapOutboundOut(last), promise: nil) }
                context.flush()
                if machine.isIdle { becomeIdle(now: now) }
            }
        case .abortClient:
            record.finish(status: record.status == 0 ? 502 : record.status, admission: admission, shard: metrics,
                          at: .now())
            discardUpstream()
            responseInProgress = false
            context.close(promise: nil)
        case .failUpstream(let response, let closeClient):
            discardUpstream()
            writeLocal(response, close: closeClient, context: context)
            if !closeClient, machine.isIdle { becomeIdle() }
        case .discardUpstream:
            discardUpstream()
        case .becomeIdle:
            becomeIdle()
        case .closeClient:
            context.close(promise: nil)
        }
    }

    private func attach(_ result: Result<UpstreamConnection, any Error>) {
        switch result {
        case .success(let connection):
            guard case .connecting = machine.state, context != nil else {
                // The client left meanwhile: the fresh connection is still good for someone else.
                pool?.release(connection)
                return
            }
            connection.exchanges += 1
            connection.handler.delegate = self
            upstream = connection
            run(machine.upstreamConnected())
        case .failure(UpstreamConnectError.noServers), .failure(UpstreamConnectError.noHealthyServers):
            run(machine.noUpstreamAvailable())
        case .failure(UpstreamConnectError.allServersFailed(let timedOut)):
            run(machine.upstreamConnectFailed(timedOut: timedOut))
        case .failure:
            run(machine.upstreamConnectFailed(timedOut: false))
        }
    }

    private func discardUpstream() {
        deadlines.upstreamActiveAt = nil
        guard let connection = upstream else { return }
        upstream = nil
        connection.handler.delegate = nil
        connection.channel.close(promise: nil)
    }

    /// - Parameter now: the clock as the caller just read it (nil: read it here).
    private func becomeIdle(now: NIODeadline? = nil) {
        phase?.enter(.waiting)
        if draining {
            context?.close(promise: nil)
            return
        }
        requestHead = nil
        deadlines.awaitingHead = true
        guard let context else { return }
        deadlines.idleSince = now ?? context.eventLoop.now
        takeHeld(context: context)
    }
}
