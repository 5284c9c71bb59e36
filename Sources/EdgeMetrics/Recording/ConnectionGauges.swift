import Synchronization

/// Live connection and request counters for the `stub_status` lines of `/status`, bumped by the proxy.
///
/// Atomics, no locks: every listener's event loops update them directly, e.g.
/// `gauges.active.add(1, ordering: .relaxed)`. The meaning
/// follows nginx's `ngx_http_stub_status_module`:
/// - `accepted`: client connections accepted; `handled`: those not dropped at once (equal unless a
///   connection limit refused some); `requests`: client requests read (REST requests and gateway upgrades).
/// - `active`: open client connections, the gateway's included; of them `reading` are reading a request
///   head, `writing` are writing a response (or relaying), `waiting` are idle keep-alive connections.
/// - `gatewayActive`: open relayed WebSocket connections (also counted in `active`).
public final class ConnectionGauges: Sendable {
    public let accepted = Atomic<Int>(0)
    public let handled = Atomic<Int>(0)
    public let requests = Atomic<Int>(0)
    public let active = Atomic<Int>(0)
    public let reading = Atomic<Int>(0)
    public let writing = Atomic<Int>(0)
    public let waiting = Atomic<Int>(0)
    public let gatewayActive = Atomic<Int>(0)

    public init() {}

    /// A consistent-enough copy of every value, for rendering.
    public func read() -> Values {
        Values(
            accepted: accepted.load(ordering: .relaxed),
            handled: handled.load(ordering: .relaxed),
            requests: requests.load(ordering: .relaxed),
            active: active.load(ordering: .relaxed),
            reading: reading.load(ordering: .relaxed),
            writing: writing.load(ordering: .relaxed),
            waiting: waiting.load(ordering: .relaxed),
            gatewayActive: gatewayActive.load(ordering: .relaxed)
        )
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
