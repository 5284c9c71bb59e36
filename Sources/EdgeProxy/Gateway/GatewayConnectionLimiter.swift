import EdgeCore
import Synchronization

/// Open gateway connections per client IP, for `gateway.max_connections_per_ip`. Touched once when a
/// connection opens and once when it closes (not per frame), so a mutex is cheap here.
final class GatewayConnectionLimiter: Sendable {
    let maxPerIP: Int
    private let counts = Mutex<[IPAddress: Int]>([:])

    init(maxPerIP: Int) {
        self.maxPerIP = maxPerIP
    }

    /// Takes a slot for `client`; false when it already holds `maxPerIP`.
    func acquire(_ client: IPAddress) -> Bool {
        counts.withLock { counts in
            let current = counts[client, default: 0]
            guard current < maxPerIP else { return false }
            counts[client] = current + 1
            return true
        }
    }

    func release(_ client: IPAddress) {
        counts.withLock { counts in
            guard let current = counts[client] else { return }
            counts[client] = current > 1 ? current - 1 : nil
        }
    }

    func openConnections(for client: IPAddress) -> Int {
        counts.withLock { $0[client, default: 0] }
    }

    var total: Int { counts.withLock { $0.values.reduce(0, +) } }
}
