import NIOCore

/// The life of one client connection's current request/response exchange, apart from I/O.
///
/// The client handler feeds events in (request parts from the client, connection and response events
/// from the upstream, timeouts) and runs the returned action. The handler holds back pipelined requests
/// until the exchange before them is over, so there is at most one exchange at a time.
struct ExchangeStateMachine {
    enum RequestProgress: Equatable {
        case streaming
        case complete
    }

    enum State {
        /// Between requests (keep-alive) or before the first one.
        case idle
        /// The proxy answered itself (error or 429); the rest of the request body is read and dropped.
        case answeredLocally(request: RequestProgress, closeAfter: Bool)
        /// Waiting for an upstream connection; body parts that arrive meanwhile are held (an array: empty, as
        /// for every request without a body, it allocates nothing).
        case connecting(held: [ByteBuffer], request: RequestProgress)
        /// Relaying: request parts go up, response parts come down.
        case relaying(request: RequestProgress, responseStarted: Bool)
        case closed
    }

    enum Action {
        case none
        /// Write this response to the client; close afterwards when `close` is set.
        case respond(LocalResponse, close: Bool)
        /// Open (or take from the pool) an upstream connection.
        case connectUpstream
        /// Send the head, then any held body parts, then `end` if the request is complete.
        case sendRequest(held: [ByteBuffer], end: Bool)
        case forwardBody(ByteBuffer)
        case forwardEnd
        case writeResponseHead
        case writeResponseBody
        /// The response is complete. Return the upstream connection to the pool when `reuseUpstream`,
        /// else close it; close the client when `closeClient`.
        case finishResponse(reuseUpstream: Bool, closeClient: Bool)
        /// The response broke after it started: the client must see a broken connection, never a
        /// truncated message that looks complete.
        case abortClient
        /// Local response after the upstream failed; the upstream connection is discarded.
        case failUpstream(LocalResponse, closeClient: Bool)
        /// The exchange is over; forget the upstream without reusing it.
        case discardUpstream
        case becomeIdle
        case closeClient
    }

    private(set) var state: State = .idle
    private var clientKeepAlive = true

    /// Bytes held while connecting before client reads pause (backpressure while the upstream is not there).
    static let holdLimit = 64 * 1024
    private var heldBytes = 0

    var isIdle: Bool {
        if case .idle = state { return true }
        return false
    }

    /// Whether client reads should pause: too much held while connecting.
    var shouldPauseClientReads: Bool {
        if case .connecting = state { return heldBytes >= ExchangeStateMachine.holdLimit }
        return false
    }

    // MARK: client events

    /// A new request head arrived; `localResponse` is set when the proxy answers it itself.
    mutating func requestHead(keepAlive: Bool, localResponse: LocalResponse?, closeAfterLocal: Bool = false) -> Action {
        guard case .idle = state else { return .closeClient }
        clientKeepAlive = keepAlive
        heldBytes = 0
        if let response = localResponse {
            if closeAfterLocal {
                // E.g. 413 on a declared Content-Length: answer at once instead of reading the body.
                state = .closed
                return .respond(response, close: true)
            }
            state = .answeredLocally(request: .streaming, closeAfter: !keepAlive)
            return .respond(response, close: false)
        }
        state = .connecting(held: [], request: .streaming)
        return .connectUpstream
    }

    mutating func requestBody(_ buffer: ByteBuffer) -> Action {
        switch state {
        case .connecting(var held, let request):
            heldBytes += buffer.readableBytes
            state = .closed  // avoid a copy-on-write of `held` while mutating it
            held.append(buffer)
            state = .connecting(held: held, request: request)
            return .none
        case .relaying(.streaming, _):
            return .forwardBody(buffer)
        case .answeredLocally, .idle, .relaying(.complete, _), .closed:
            return .none
        }
    }

    mutating func requestEnd() -> Action {
        switch state {
        case .connecting(let held, _):
            state = .connecting(held: held, request: .complete)
            return .none
        case .relaying(.streaming, let started):
            state = .relaying(request: .complete, responseStarted: started)
            return .forwardEnd
        case .answeredLocally(_, let closeAfter):
            if closeAfter {
                state = .closed
                return .closeClient
            }
            state = .idle
            return .becomeIdle
        case .idle, .relaying(.complete, _), .closed:
            return .none
        }
    }

    /// The request body went over the size limit while streaming.
    mutating func requestBodyTooLarge() -> Action {
        switch state {
        case .connecting, .relaying(_, false):
            state = .closed
            return .failUpstream(.bodyTooLarge, closeClient: true)
        case .relaying(_, true):
            state = .closed
            return .abortClient
        case .idle, .answeredLocally, .closed:
            return .none
        }
    }

    mutating func clientClosed() -> Action {
        let wasBusy: Bool
        switch state {
        case .connecting, .relaying: wasBusy = true
        default: wasBusy = false
        }
        state = .closed
        return wasBusy ? .discardUpstream : .none
    }

    // MARK: upstream events

    mutating func upstreamConnected() -> Action {
        guard case .connecting(let held, let request) = state else { return .discardUpstream }
        state = .relaying(request: request, responseStarted: false)
        heldBytes = 0
        return .sendRequest(held: held, end: request == .complete)
    }

    mutating func upstreamConnectFailed(timedOut: Bool) -> Action {
        guard case .connecting(_, let request) = state else { return .none }
        let response: LocalResponse = timedOut ? .gatewayTimeout : .badGateway
        return answerAfterUpstreamFailure(response, request: request)
    }

    mutating func noUpstreamAvailable() -> Action {
        guard case .connecting(_, let request) = state else { return .none }
        return answerAfterUpstreamFailure(.noUpstream, request: request)
    }

    mutating func responseHead() -> Action {
        guard case .relaying(let request, false) = state else { return .none }
        state = .relaying(request: request, responseStarted: true)
        return .writeResponseHead
    }

    mutating func responseBody() -> Action {
        guard case .relaying(_, true) = state else { return .none }
        return .writeResponseBody
    }

    mutating func responseEnd(upstreamKeepAlive: Bool) -> Action {
        guard case .relaying(let request, true) = state else { return .none }
        switch request {
        case .complete:
            if clientKeepAlive {
                state = .idle
                return .finishResponse(reuseUpstream: upstreamKeepAlive, closeClient: false)
            }
            state = .closed
            return .finishResponse(reuseUpstream: upstreamKeepAlive, closeClient: true)
        case .streaming:
            // The upstream answered before the request body was done (e.g. its own 413): the upstream
            // connection is out of step and is closed; the client's remaining body is drained.
            state = .answeredLocally(request: .streaming, closeAfter: !clientKeepAlive)
            return .finishResponse(reuseUpstream: false, closeClient: false)
        }
    }

    /// A reused upstream connection broke before answering: go back to connecting for one fresh attempt.
    /// Only for requests already fully sent without a body (the handler checks idempotency).
    mutating func retryUpstream() {
        guard case .relaying(.complete, false) = state else { return }
        state = .connecting(held: [], request: .complete)
    }

    /// The upstream closed or failed.
    mutating func upstreamFailed() -> Action {
        guard case .relaying(let request, let started) = state else { return .none }
        if started {
            state = .closed
            return .abortClient
        }
        return answerAfterUpstreamFailure(.badGateway, request: request)
    }

    /// No response head (or no body progress) within the read timeout.
    mutating func readTimedOut() -> Action {
        guard case .relaying(let request, let started) = state else { return .none }
        if started {
            state = .closed
            return .abortClient
        }
        return answerAfterUpstreamFailure(.gatewayTimeout, request: request)
    }

    private mutating func answerAfterUpstreamFailure(_ response: LocalResponse, request: RequestProgress) -> Action {
        switch request {
        case .complete:
            if clientKeepAlive {
                state = .idle
                return .failUpstream(response, closeClient: false)
            }
            state = .closed
            return .failUpstream(response, closeClient: true)
        case .streaming:
            // We stop relaying mid-body: answer and close, rather than read an unknown amount more.
            state = .closed
            return .failUpstream(response, closeClient: true)
        }
    }
}
