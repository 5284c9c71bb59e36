import EdgeMetrics
import Synchronization

/// A settable wall clock (ns since the epoch) for shards and pipelines.
final class TestClock: Sendable {
    private let now: Mutex<Int64>

    init(seconds: Int64) {
        now = Mutex(seconds * 1_000_000_000)
    }

    func set(seconds: Int64) {
        now.withLock { $0 = seconds * 1_000_000_000 }
    }

    var nanos: Int64 { now.withLock { $0 } }

    var clock: MetricsClock { { self.nanos } }
}
