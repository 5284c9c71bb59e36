import EdgeCore
import Foundation
import NIOCore
import Synchronization

/// Which REST upstream servers are in rotation (issue 7): passive ejection after `max_fails` consecutive
/// failures, and recovery after `fail_timeout` (passive only) or after `healthy_threshold` passing active
/// checks. Shared by every event loop's pool; consulted once per upstream connection attempt.
final class UpstreamHealth: Sendable {
    enum State: String, Sendable {
        case healthy
        /// Out of rotation.
        case ejected
        /// The passive ejection expired: traffic tries it again; one more failure ejects it at once.
        case probing
    }

    struct Server: Sendable {
        var consecutiveFailures = 0
        var consecutiveSuccesses = 0
        var ejectedUntil: NIODeadline? = nil
        var ejections = 0
    }

    let names: [String]
    private let settings: EdgeConfig.Upstreams.Health
    private let servers: Mutex<[Server]>
    /// How many servers have a failure on record or are out of rotation, kept under the lock. While it is 0 (the
    /// usual case) a request's `isUsable` and `recordSuccess` change and learn nothing, and skip the lock: every
    /// loop's pool calls them once per exchange, and the lock and the shared counters bounced between the cores.
    private let unclean = Atomic<Int>(0)

    init(servers: [UpstreamURL], settings: EdgeConfig.Upstreams.Health) {
        names = servers.map { $0.hostPort.description }
        self.settings = settings
        self.servers = Mutex(Array(repeating: Server(), count: servers.count))
    }

    private var activeChecks: Bool { settings.checkPath != nil }

    func state(_ index: Int, now: NIODeadline = .now()) -> State {
        servers.withLock { Self.state(of: $0[index], now: now) }
    }

    private static func state(of server: Server, now: NIODeadline) -> State {
        guard let until = server.ejectedUntil else { return .healthy }
        return now < until ? .ejected : .probing
    }

    /// Whether a request may go to this server now.
    func isUsable(_ index: Int, now: NIODeadline? = nil) -> Bool {
        unclean.load(ordering: .relaxed) == 0 || state(index, now: now ?? .now()) != .ejected
    }

    /// A request or a check failed on this server.
    func recordFailure(_ index: Int, now: NIODeadline = .now()) {
        changing(index) { servers in
            servers[index].consecutiveFailures += 1
            servers[index].consecutiveSuccesses = 0
            let probing = Self.state(of: servers[index], now: now) == .probing
            if servers[index].consecutiveFailures >= settings.maxFails || probing {
                if servers[index].ejectedUntil == nil || probing { servers[index].ejections += 1 }
                // With active checks only passing checks bring it back; else it is tried after fail_timeout.
                servers[index].ejectedUntil = activeChecks
                    ? .distantFuture : now + .nanoseconds(settings.failTimeout.nanoseconds)
            }
        }
    }

    /// A request was answered (any status: the server is up), or a check passed.
    func recordSuccess(_ index: Int, fromCheck: Bool = false) {
        // All clean: a request's success would only count toward a threshold that only checks use (and a failure
        // resets). A failure recorded by another loop at this moment may or may not be reset: either order is
        // one the two events could have had.
        guard fromCheck || unclean.load(ordering: .relaxed) > 0 else { return }
        changing(index) { servers in
            servers[index].consecutiveFailures = 0
            // With active checks, only checks count toward bringing a server back.
            if fromCheck || !activeChecks { servers[index].consecutiveSuccesses += 1 }
            guard servers[index].ejectedUntil != nil else { return }
            if !activeChecks {
                servers[index].ejectedUntil = nil  // a probing request got through
            } else if fromCheck, servers[index].consecutiveSuccesses >= settings.healthyThreshold {
                servers[index].ejectedUntil = nil
            }
        }
    }

    /// Runs `change` on the servers under the lock and keeps `unclean` in step with server `index`.
    private func changing(_ index: Int, _ change: (inout [Server]) -> Void) {
        servers.withLock { servers in
            let wasClean = Self.isClean(servers[index])
            change(&servers)
            let isClean = Self.isClean(servers[index])
            if wasClean != isClean { unclean.add(isClean ? -1 : 1, ordering: .relaxed) }
        }
    }

    private static func isClean(_ server: Server) -> Bool {
        server.consecutiveFailures == 0 && server.ejectedUntil == nil
    }

    /// `upstream_health:` rows for `/status`.
    func statusTable(now: NIODeadline = .now()) -> String {
        let rows = servers.withLock { servers in
            servers.enumerated().map { index, server in
                (names[index], Self.state(of: server, now: now).rawValue, server.consecutiveFailures, server.ejections)
            }
        }
        guard !rows.isEmpty else { return "" }
        let width = max(8, rows.map(\.0.count).max() ?? 0)
        var text = "upstream_health:\n  " + "upstream".padding(toLength: width, withPad: " ", startingAt: 0)
            + "  state    failures  ejections\n"
        for (name, state, failures, ejections) in rows {
            text += "  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                + state.padding(toLength: 7, withPad: " ", startingAt: 0)
                + "  " + String(failures).leftPadded(8) + "  " + String(ejections).leftPadded(9) + "\n"
        }
        return text
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
