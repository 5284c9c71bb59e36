import EdgeMetrics

/// One client connection's place in nginx's `stub_status` states: Reading (a request head is arriving),
/// Writing (the request is being handled and answered), Waiting (idle keep-alive). Shared by the header
/// timeout handler (which sees the first byte) and the proxy handler (which sees heads and completions).
final class ConnectionPhase {
    enum Phase {
        case none, waiting, reading, writing
    }

    /// The connection's event loop's share of the gauges.
    private let gauges: ConnectionGauges.Counters
    private(set) var phase: Phase = .none

    init(gauges: ConnectionGauges.Counters) {
        self.gauges = gauges
    }

    func enter(_ next: Phase) {
        guard next != phase else { return }
        adjust(phase, by: -1)
        adjust(next, by: 1)
        phase = next
    }

    private func adjust(_ phase: Phase, by delta: Int) {
        switch phase {
        case .none: break
        case .waiting: gauges.waiting.add(delta, ordering: .relaxed)
        case .reading: gauges.reading.add(delta, ordering: .relaxed)
        case .writing: gauges.writing.add(delta, ordering: .relaxed)
        }
    }
}
