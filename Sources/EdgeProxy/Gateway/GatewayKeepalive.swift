import NIOCore
import Synchronization

/// The keepalive checks of one event loop's relayed sessions: one repeating timer sweeps them all, instead
/// of a scheduled task per session (a task, its promise and its closure cost ~250 bytes per idle session).
///
/// A silent client is closed at most one sweep period after its deadline; the period is a quarter of the
/// shortest ping window registered, at most a second. The timer runs only while the loop has sessions.
/// `@unchecked Sendable`: it is reached through `GatewayKeepalive` from any thread, but used only on `loop`.
final class GatewayKeepaliveSweeper: @unchecked Sendable {
    private let loop: any EventLoop
    private var relays: [GatewayClientRelay] = []
    private var timer: RepeatedTask?
    private var period = TimeAmount.seconds(1)

    init(loop: any EventLoop) {
        self.loop = loop
    }

    func add(_ relay: GatewayClientRelay, window: TimeAmount) {
        loop.preconditionInEventLoop()
        relay.keepaliveSlot = relays.count
        relays.append(relay)
        let wanted = TimeAmount.nanoseconds(min(1_000_000_000, max(10_000_000, window.nanoseconds / 4)))
        if timer == nil || wanted < period {
            period = wanted
            timer?.cancel()
            timer = loop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in self.sweep() }
        }
    }

    func remove(_ relay: GatewayClientRelay) {
        loop.preconditionInEventLoop()
        let slot = relay.keepaliveSlot
        guard slot >= 0, slot < relays.count, relays[slot] === relay else { return }
        relay.keepaliveSlot = -1
        let last = relays.removeLast()
        if slot < relays.count {
            relays[slot] = last
            last.keepaliveSlot = slot
        }
        if relays.isEmpty {
            timer?.cancel()
            timer = nil
        }
    }

    var count: Int { relays.count }

    private func sweep() {
        // A check may close a session, which removes it from `relays`: walk a copy.
        for relay in relays { relay.keepaliveCheck() }
    }
}

/// Each event loop's `GatewayKeepaliveSweeper`, made on first use; carried over by config reloads with the
/// sessions they watch.
final class GatewayKeepalive: Sendable {
    private let sweepers = Mutex<[ObjectIdentifier: GatewayKeepaliveSweeper]>([:])

    /// The sweeper of `loop` (touched once per session, when it opens).
    func sweeper(for loop: any EventLoop) -> GatewayKeepaliveSweeper {
        sweepers.withLock { sweepers in
            if let sweeper = sweepers[ObjectIdentifier(loop)] { return sweeper }
            let sweeper = GatewayKeepaliveSweeper(loop: loop)
            sweepers[ObjectIdentifier(loop)] = sweeper
            return sweeper
        }
    }
}
