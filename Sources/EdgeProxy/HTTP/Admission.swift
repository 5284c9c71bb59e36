import EdgeCore
import NIOHTTP1

/// The proxy's decision on a request head before anything is sent upstream.
struct Admission {
    /// Set when the proxy answers itself (429, or another local refusal); nil to relay the request.
    var rejection: LocalResponse?
    /// Added to whatever response the client gets for this request (the `X-RateLimit-*` family).
    var responseHeaders: [(String, String)]
    /// The rule's route name, for metrics; `default` when no route matched.
    var routeName: String

    static func relay(routeName: String = "default", headers: [(String, String)] = []) -> Admission {
        Admission(rejection: nil, responseHeaders: headers, routeName: routeName)
    }
}

/// Decides on request heads: given the head and the socket peer, relay or answer locally.
/// Built from the rate limiter in production, from a closure in tests.
protocol RequestAdmitter: Sendable {
    func admit(_ head: HTTPRequestHead, peer: IPAddress, nowNanoseconds: Int64) -> Admission
}
