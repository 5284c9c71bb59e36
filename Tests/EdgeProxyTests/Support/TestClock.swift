import NIOConcurrencyHelpers

/// A wall clock that only moves when told, for rate-limit windows in tests.
final class TestClock: Sendable {
    private let value: NIOLockedValueBox<Int64>

    /// Starts at `seconds` past the Unix epoch.
    init(seconds: Double) {
        value = NIOLockedValueBox(Int64(seconds * 1e9))
    }

    var now: Int64 { value.withLockedValue { $0 } }
    func advance(seconds: Double) { value.withLockedValue { $0 += Int64(seconds * 1e9) } }
    var closure: @Sendable () -> Int64 { { self.now } }
}
