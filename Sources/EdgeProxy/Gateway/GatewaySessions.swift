import NIOCore
import Synchronization

/// The open relayed sessions, kept per event loop in `GatewayLoopSessions`: shutdown reaches them through
/// it (1001 `Going away`), and one repeating timer per loop runs their keepalive checks.
///
/// No per-session registration beyond a slot in its loop's array: a dictionary entry and a close callback
/// per session, and a scheduled task per session for the keepalive, cost ~500 bytes per idle session.
final class GatewaySessions: Sendable {
    private let lists = Mutex<[ObjectIdentifier: GatewayLoopSessions]>([:])
    private let open = Atomic<Int>(0)

    /// The sessions of `loop` (looked up once per session, when it opens).
    func list(for loop: any EventLoop) -> GatewayLoopSessions {
        lists.withLock { lists in
            if let list = lists[ObjectIdentifier(loop)] { return list }
            let list = GatewayLoopSessions(loop: loop, open: self)
            lists[ObjectIdentifier(loop)] = list
            return list
        }
    }

    var count: Int { open.load(ordering: .relaxed) }

    fileprivate func opened(_ delta: Int) {
        open.add(delta, ordering: .relaxed)
    }

    private var all: [GatewayLoopSessions] { lists.withLock { Array($0.values) } }

    /// Every session's client gets 1001 `Going away`, and its upstream session ends.
    func broadcast(_ event: GatewayGoingAway) {
        for list in all { list.loop.execute { list.forEach { $0.goAway() } } }
    }

    /// Closes the client connections still open (the drain deadline passed).
    func closeAll() {
        for list in all { list.loop.execute { list.forEach { $0.closeClient() } } }
    }

    /// The client channels open right now (collected on each loop).
    func channels() async -> [any Channel] {
        var channels: [any Channel] = []
        for list in all {
            channels += (try? await list.loop.submit { list.channels }.get()) ?? []
        }
        return channels
    }

    /// Waits until every session has closed, or `deadline` passes, or the task is cancelled. Returns how
    /// many were still open.
    func waitUntilEmpty(deadline: ContinuousClock.Instant) async -> Int {
        while count > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(20))
        }
        return count
    }
}

/// One event loop's sessions, used only on that loop. Each relay knows its slot, so adding and removing
/// are O(1). The keepalive sweep runs every quarter of the shortest ping window registered (at most a
/// second), only while the loop has sessions: a silent client is closed at most one period late.
/// `@unchecked Sendable`: reached through `GatewaySessions` from any thread, but used only on `loop`.
final class GatewayLoopSessions: @unchecked Sendable {
    let loop: any EventLoop
    private unowned let open: GatewaySessions
    private var relays: [GatewayClientRelay] = []
    private var timer: RepeatedTask?
    private var period = TimeAmount.seconds(1)

    fileprivate init(loop: any EventLoop, open: GatewaySessions) {
        self.loop = loop
        self.open = open
    }

    func add(_ relay: GatewayClientRelay, pingWindow: TimeAmount) {
        loop.preconditionInEventLoop()
        relay.sessionSlot = Int32(relays.count)
        relays.append(relay)
        open.opened(1)
        let wanted = TimeAmount.nanoseconds(min(1_000_000_000, max(10_000_000, pingWindow.nanoseconds / 4)))
        if timer == nil || wanted < period {
            period = wanted
            timer?.cancel()
            timer = loop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
                self.forEach { $0.keepaliveCheck() }
            }
        }
    }

    func remove(_ relay: GatewayClientRelay) {
        loop.preconditionInEventLoop()
        let slot = Int(relay.sessionSlot)
        guard slot >= 0, slot < relays.count, relays[slot] === relay else { return }
        relay.sessionSlot = -1
        open.opened(-1)
        let last = relays.removeLast()
        if slot < relays.count {
            relays[slot] = last
            last.sessionSlot = Int32(slot)
        }
        if relays.isEmpty {
            timer?.cancel()
            timer = nil
        }
    }

    var channels: [any Channel] { relays.compactMap(\.channel) }

    /// Runs `body` for every session; `body` may close sessions (which removes them): it walks a copy.
    fileprivate func forEach(_ body: (GatewayClientRelay) -> Void) {
        for relay in relays { body(relay) }
    }
}
