import NIOCore
import NIOHTTP1

/// The client handler's timers: the upstream read timeout (one timer per exchange that re-arms itself while
/// the upstream shows life) and the keep-alive idle timeout.
extension ClientProxyHandler {
    func armReadTimer() {
        readTimer?.cancel()
        lastUpstreamActivity = .now()
        scheduleReadCheck(after: shared.readTimeout)
    }

    /// One timer per exchange: when it fires it re-arms itself if the upstream showed life meanwhile.
    func scheduleReadCheck(after delay: TimeAmount) {
        guard let context else { return }
        readTimer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
            let quiet = NIODeadline.now() - self.lastUpstreamActivity
            if quiet >= self.shared.readTimeout {
                self.readTimer = nil
                self.record.recordUpstream(.timeout, shard: self.metrics, at: .now())
                if let server = self.upstream?.serverIndex { self.pool?.health?.recordFailure(server) }
                self.run(self.machine.readTimedOut())
            } else {
                self.scheduleReadCheck(after: self.shared.readTimeout - quiet)
            }
        }
    }

    func armIdleTimer() {
        guard let context else { return }
        idleTimer?.cancel()
        idleTimer = context.eventLoop.assumeIsolated().scheduleTask(in: shared.idleTimeout) {
            if self.machine.isIdle { self.context?.close(promise: nil) }
        }
    }

    func cancelTimers() {
        readTimer?.cancel()
        readTimer = nil
        idleTimer?.cancel()
        idleTimer = nil
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
