import NIOCore
import Synchronization

/// The open client channels of a listener, so shutdown can reach every one of them: the gateway sends
/// 1001 `Going away`, the REST listener drains (idle connections close, busy ones after their response).
final class ChannelRegistry: Sendable {
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    /// Registers `channel` until it closes.
    func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { _ in
            _ = self.channels.withLock { $0.removeValue(forKey: id) }
        }
    }

    var count: Int { channels.withLock { $0.count } }

    /// Fires `event` into every open channel's pipeline (on each channel's own event loop).
    func broadcast(_ event: some Sendable) {
        for channel in channels.withLock({ Array($0.values) }) {
            channel.pipeline.fireUserInboundEventTriggered(event)
        }
    }

    /// Closes whatever is still open (the drain deadline passed).
    func closeAll() {
        for channel in channels.withLock({ Array($0.values) }) {
            channel.close(promise: nil)
        }
    }

    /// Waits until every channel has closed, or `deadline` passes, or the task is cancelled.
    /// Returns how many were still open.
    func waitUntilEmpty(deadline: ContinuousClock.Instant) async -> Int {
        while count > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return count
    }
}

/// Fired into every REST client connection when the proxy drains: close when idle, or after the response
/// under way.
struct DrainRequested: Sendable {}
