import NIOCore
import NIOHTTP1

/// The client handler's timeouts: one timer per connection checks `deadlines` (header, upstream read,
/// keep-alive idle); requests only move timestamps. Times are the event loop's `now` (virtual under
/// NIO's embedded loop, as the timer's own).
extension ClientProxyHandler {
    /// Arms the connection's timer (again) for the next check; called when the connection starts and when a
    /// reload changed the timeouts.
    func armDeadlineTimer() {
        guard let context else { return }
        deadlineTimer?.cancel()
        scheduleCheck(now: context.eventLoop.now)
    }

    /// Arms the regular check. A deferred idle close is forgotten here (a check that found the connection busy, or a
    /// reload re-arming the timer): the next expiry gets its own second look.
    private func scheduleCheck(now: NIODeadline) {
        guard let context else { return }
        deadlines.idleCloseDeferred = false
        deadlineTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadlines.nextCheck(now: now)) {
            self.checkDeadlines()
        }
    }

    /// Timeouts of the context in force (after a reload they may differ).
    func adoptTimeouts(of shared: ProxyConnectionContext) {
        guard deadlines.headerTimeout != shared.headerTimeout || deadlines.readTimeout != shared.readTimeout
            || deadlines.idleTimeout != shared.idleTimeout else { return }
        deadlines.headerTimeout = shared.headerTimeout
        deadlines.readTimeout = shared.readTimeout
        deadlines.idleTimeout = shared.idleTimeout
        // A shorter timeout may now fall before the armed check.
        armDeadlineTimer()
    }

    /// The first bytes of a head arrived: the header timeout (slowloris: headers trickled one byte at a time would
    /// hold a connection forever otherwise) runs from now until the parser completes the head.
    func headStarted(context: ChannelHandlerContext) {
        deadlines.headStartedAt = context.eventLoop.now
        phase?.enter(.reading)
    }

    private func checkDeadlines() {
        deadlineTimer = nil
        guard let now = context?.eventLoop.now else { return }
        switch deadlines.expired(now: now) {
        case .header:
            headTimedOut()
            return
        case .upstreamRead:
            deadlines.upstreamActiveAt = nil
            record.recordUpstream(.timeout, shard: metrics, at: now)
            if let server = upstream?.serverIndex { pool?.health?.recordFailure(server) }
            run(machine.readTimedOut())
        case .idle:
            if machine.isIdle {
                // One more look before closing: NIO runs the timers that fell due while its loop was busy before
                // it polls the sockets again, so a request that arrived in time may not be read yet. The second
                // look comes after the next poll.
                if deadlines.idleCloseDeferred {
                    context?.close(promise: nil)
                } else {
                    deadlines.idleCloseDeferred = true
                    deadlineTimer = context?.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(1)) {
                        self.checkDeadlines()
                    }
                }
                return
            }
            deadlines.idleSince = nil
        case nil:
            break
        }
        scheduleCheck(now: now)
    }

    /// The head took too long: a raw 408, whatever the parser has of it (nothing more is read), then close.
    private func headTimedOut() {
        guard let context, deadlines.awaitingHead else { return }
        deadlines.awaitingHead = false
        deadlines.headStartedAt = nil
        parser.stop()
        context.writeAndFlush(wrapOutboundOut(LocalResponse.headersTimedOut.closingBytes(allocator: context.channel.allocator)))
            .assumeIsolated().whenComplete { _ in LingeringClose.close(context) }
    }

    func cancelDeadlineTimer() {
        deadlineTimer?.cancel()
        deadlineTimer = nil
    }
}

extension HTTPMethod {
    /// Methods whose request may be sent twice (RFC 9110 section 9.2.2), as long as it has no body.
    var isSafeToRetry: Bool {
        switch self {
        case .GET, .HEAD, .OPTIONS, .PUT, .DELETE: return true
        default: return false
        }
    }
}
