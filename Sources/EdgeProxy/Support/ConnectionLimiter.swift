import EdgeCore
import Synchronization

/// Open connections per client IP and in total, for `proxy.max_connections[_per_ip]` and
/// `gateway.max_connections_per_ip`. Touched once when a connection opens and once when it closes (never per
/// request or frame), so a mutex is cheap here.
final class ConnectionLimiter: Sendable {
    enum Refusal: Equatable {
        case perIP
        case total
    }

    private let state: Mutex<(counts: [IPAddress: Int], total: Int, maxPerIP: Int, maxTotal: Int)>

    init(maxPerIP: Int, maxTotal: Int = .max) {
        state = Mutex(([:], 0, maxPerIP, maxTotal))
    }

    var maxPerIP: Int { state.withLock { $0.maxPerIP } }

    /// New caps after a reload; open connections stay counted (and are never cut).
    func setLimits(maxPerIP: Int, maxTotal: Int = .max) {
        state.withLock { state in
            state.maxPerIP = maxPerIP
            state.maxTotal = maxTotal
        }
    }

    /// Takes a slot for `client`, or says which cap is full.
    func acquire(_ client: IPAddress) -> Refusal? {
        state.withLock { state in
            guard state.total < state.maxTotal else { return .total }
            let current = state.counts[client, default: 0]
            guard current < state.maxPerIP else { return .perIP }
            state.counts[client] = current + 1
            state.total += 1
            return nil
        }
    }

    func release(_ client: IPAddress) {
        state.withLock { state in
            guard let current = state.counts[client] else { return }
            state.counts[client] = current > 1 ? current - 1 : nil
            state.total -= 1
        }
    }

    func openConnections(for client: IPAddress) -> Int {
        state.withLock { $0.counts[client, default: 0] }
    }

    var total: Int { state.withLock { $0.total } }
}
