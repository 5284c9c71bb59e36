import Synchronization

/// Live connection and request counters for the `stub_status` lines of `/status`, bumped by the proxy.
///
/// The meaning follows nginx's `ngx_http_stub_status_module`:
/// - `accepted`: client connections accepted; `handled`: those not dropped at once (equal unless a
///   connection limit refused some); `requests`: client requests read (REST requests and gateway upgrades).
/// - `active`: open client connections, the gateway's included; of them `reading` are reading a request
///   head, `writing` are writing a response (or relaying), `waiting` are idle keep-alive connections.
/// - `gatewayActive`: open relayed WebSocket connections (also counted in `active`).
///
/// Each writer (each event loop of the proxy) bumps a `Counters` of its own, taken with `stripe()`, and `read()`
/// adds them up: a proxied request moves four or five of these values, and one set of atomics bumped from every
/// core would pass its cache line from core to core on each of them.
public final class ConnectionGauges: Sendable {
    /// One writer's share of every value (a value may be negative in a share that only ever saw closes).
    public final class Counters: Sendable {
        // Cache-line padding on both sides: shares are allocated one after the other.
        private let before: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
        public let accepted = Atomic<Int>(0)
        public let handled = Atomic<Int>(0)
        public let requests = Atomic<Int>(0)
        public let active = Atomic<Int>(0)
        public let reading = Atomic<Int>(0)
        public let writing = Atomic<Int>(0)
        public let waiting = Atomic<Int>(0)
        public let gatewayActive = Atomic<Int>(0)
        private let after: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)

        fileprivate init() {}

        fileprivate func add(to values: inout Values) {
            values.accepted += accepted.load(ordering: .relaxed)
            values.handled += handled.load(ordering: .relaxed)
            values.requests += requests.load(ordering: .relaxed)
            values.active += active.load(ordering: .relaxed)
            values.reading += reading.load(ordering: .relaxed)
            values.writing += writing.load(ordering: .relaxed)
            values.waiting += waiting.load(ordering: .relaxed)
            values.gatewayActive += gatewayActive.load(ordering: .relaxed)
        }
    }

    private let stripes = Mutex<[Counters]>([])

    public init() {}

    /// A new share for one writer, counted by `read()` from now on.
    public func stripe() -> Counters {
        let counters = Counters()
        stripes.withLock { $0.append(counters) }
        return counters
    }

    /// A consistent-enough sum of every share, for rendering.
    public func read() -> Values {
        var values = Values()
        for counters in stripes.withLock({ $0 }) { counters.add(to: &values) }
        return values
    }

    /// The gauges' values at one moment.
    public struct Values: Sendable, Equatable {
        public var accepted: Int
        public var handled: Int
        public var requests: Int
        public var active: Int
        public var reading: Int
        public var writing: Int
        public var waiting: Int
        public var gatewayActive: Int

        public init(
            accepted: Int = 0, handled: Int = 0, requests: Int = 0, active: Int = 0,
            reading: Int = 0, writing: Int = 0, waiting: Int = 0, gatewayActive: Int = 0
        ) {
            self.accepted = accepted
            self.handled = handled
            self.requests = requests
            self.active = active
            self.reading = reading
            self.writing = writing
            self.waiting = waiting
            self.gatewayActive = gatewayActive
        }
    }
}
