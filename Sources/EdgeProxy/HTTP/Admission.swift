import EdgeCore
import EdgeMetrics
import NIOCore
import NIOHTTP1

/// The proxy's decision on a request head before anything is sent upstream.
struct Admission {
    /// Set when the proxy answers itself (429, or another local refusal); nil to relay the request.
    var rejection: LocalResponse?
    /// The limiter's decision: its fields (the `X-RateLimit-*` family) go on whatever response the client
    /// gets for this request, rendered straight into the head (`ClientResponseWriter`).
    var rateLimit: RateLimitDecision? = nil
    /// Further fields for the client's response (admitters other than the limiter, and tests).
    var responseHeaders: [(name: String, value: String)]
    /// The route's index for metrics (0 = `default`, as `RouteMatch.index`).
    var routeIndex = 0
    /// The resolved client address (after trusted `X-Forwarded-For`).
    var client: IPAddress? = nil
    /// A dry-run rule would have rejected this request.
    var dryRunWouldReject = false
    /// Bit i: shadow rule i of the route would have rejected this request.
    var shadowWouldReject: UInt64 = 0

    static func relay(headers: [(name: String, value: String)] = []) -> Admission {
        Admission(rejection: nil, responseHeaders: headers)
    }

    /// Whether the limiter rejected this request (a 429 of our own).
    var rateLimited: Bool { rejection?.status == .tooManyRequests }
}

/// An admission decided at once (the in-memory store) or later (a shared store's round trip).
enum AdmissionResult {
    case now(Admission)
    /// Completes on the event loop it was asked on.
    case later(EventLoopFuture<Admission>)
}

/// Decides on request heads: given the head and the socket peer, relay or answer locally.
/// Built from the rate limiter in production, from a closure in tests.
protocol RequestAdmitter: Sendable {
    /// - Parameter windows: this loop's tuning recorder, told of every request that reaches the limiter.
    func admit(
        _ head: HTTPRequestHead, peer: IPAddress, nowNanoseconds: Int64, on eventLoop: any EventLoop,
        windows: WindowRecorder?
    ) -> AdmissionResult
}
