import Synchronization

/// When the client last pinged (or connected), and when it must ping again.
final class KeepaliveTracker: Sendable {
    private let lastPing: Mutex<ContinuousClock.Instant>
    let allowance: Duration

    /// - Parameter allowance: `pingInterval + pingTimeout`.
    init(allowance: Duration, now: ContinuousClock.Instant = .now) {
        self.allowance = allowance
        self.lastPing = Mutex(now)
    }

    func pingReceived(at instant: ContinuousClock.Instant = .now) {
        lastPing.withLock { $0 = max($0, instant) }
    }

    var deadline: ContinuousClock.Instant {
        lastPing.withLock { $0 } + allowance
    }

    /// Returns when the deadline passes without a ping (throws `CancellationError` when cancelled).
    func waitForTimeout() async throws {
        while true {
            let deadline = self.deadline
            if ContinuousClock.now >= deadline { return }
            try await Task.sleep(until: deadline, clock: .continuous)
        }
    }
}
