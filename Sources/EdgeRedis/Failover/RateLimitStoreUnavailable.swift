/// `on_store_failure: deny` and the shared store could not answer: the proxy answers 503 with a JSON body
/// (`{"code": 503, "message": "rate limit store unavailable"}`) and lets nothing through.
public struct RateLimitStoreUnavailable: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why (the store error, or that the breaker is open).
    public var reason: String

    public init(reason: String) {
        self.reason = reason
    }

    public var description: String { "rate limit store unavailable: \(reason)" }
}
