import EdgeCore
import NIOHTTP1

/// Admits requests through the rate limiter: resolves the client IP (trusted proxies and
/// `X-Forwarded-For`), matches the route, and turns the decision into headers or a 429.
struct RateLimitAdmitter: RequestAdmitter {
    let limiter: RateLimiter
    let resolver: ClientAddressResolver

    func admit(_ head: HTTPRequestHead, peer: IPAddress, nowNanoseconds: Int64) -> Admission {
        let forwarded = head.headers[canonicalForm: "x-forwarded-for"]
        let client = resolver.resolve(peer: peer, forwardedFor: forwarded)
        let path = head.uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { head.uri[..<$0] } ?? head.uri[...]
        let route = limiter.match(method: head.method.rawValue, path: path)
        let decision = limiter.check(client: client, route: route, now: nowNanoseconds)
        let fields = RateLimitHeaders.fields(decision).map { ($0.name, $0.value) }
        var admission = Admission(rejection: nil, responseHeaders: fields, routeName: route.name)
        admission.routeIndex = route.index
        admission.client = client
        admission.dryRunWouldReject = decision.outcome == .allowedDryRun
        admission.shadowWouldReject = decision.shadowWouldReject
        if !decision.isAllowed {
            // The limiter's fields already carry the standard `Retry-After` of a rejection.
            admission.rejection = LocalResponse(
                status: .tooManyRequests, headers: [], body: RateLimitHeaders.rejectionBody(decision)
            )
        }
        return admission
    }
}
