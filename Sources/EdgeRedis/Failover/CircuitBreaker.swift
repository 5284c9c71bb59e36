/// The store's circuit breaker as a state machine, apart from any I/O, with the clock passed in (monotonic
/// nanoseconds).
///
/// - closed: calls go to the store. `failureThreshold` failures in a row, or a single timeout, open it.
/// - open: no call goes to the store (no round trip, no wait); decisions use the fallback. After
///   `openDuration` the next call is admitted as the probe and the breaker is half-open.
/// - half-open: only the probe is in flight; others use the fallback. The probe's success closes the breaker,
///   its failure opens it for another period. A probe that never reports back (it cannot, as calls are
///   bounded by the store timeout, but still) is replaced after another `openDuration`.
///
/// So a dead store costs at most one timeout per `openDuration`, not one per request.
public struct CircuitBreaker: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case closed(failures: Int)
        case open(until: Int64)
        case halfOpen(since: Int64)
    }

    public enum Admission: Sendable, Equatable {
        /// Call the store.
        case call
        /// Call the store as the recovery probe.
        case probe
        /// Do not call the store: decide with the fallback.
        case fallback
    }

    public let failureThreshold: Int
    public let openDuration: Int64
    public private(set) var state = State.closed(failures: 0)
    /// How many times the breaker opened.
    public private(set) var openings = 0

    public init(failureThreshold: Int, openDuration: Int64) {
        self.failureThreshold = max(1, failureThreshold)
        self.openDuration = max(1, openDuration)
    }

    public var isClosed: Bool {
        if case .closed = state { return true }
        return false
    }

    public mutating func admit(now: Int64) -> Admission {
        switch state {
        case .closed:
            return .call
        case .open(let until):
            guard now >= until else { return .fallback }
            state = .halfOpen(since: now)
            return .probe
        case .halfOpen(let since):
            guard now - since >= openDuration else { return .fallback }
            state = .halfOpen(since: now)
            return .probe
        }
    }

    public mutating func succeeded(probe: Bool) {
        switch state {
        case .closed: state = .closed(failures: 0)
        case .halfOpen where probe: state = .closed(failures: 0)
        // A call admitted before the breaker opened answers late: one success does not close it.
        case .open, .halfOpen: break
        }
    }

    public mutating func failed(now: Int64, timeout: Bool, probe: Bool) {
        switch state {
        case .closed(let failures):
            if timeout || failures + 1 >= failureThreshold {
                open(now: now)
            } else {
                state = .closed(failures: failures + 1)
            }
        case .halfOpen where probe:
            open(now: now)
        case .open, .halfOpen:
            break
        }
    }

    private mutating func open(now: Int64) {
        state = .open(until: now + openDuration)
        openings += 1
    }
}
