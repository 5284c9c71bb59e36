import EdgeCore
import EdgeMetrics
import EdgeRedis
import NIOCore
import NIOHTTP1

/// Admits requests through the rate limiter: resolves the client IP (trusted proxies and
/// `X-Forwarded-For`), matches the route, and turns the decision into headers or a 429. With a shared
/// store (`rate_limits.store: redis://…`) the decision is one round trip, completed on the client's loop.
struct RateLimitAdmitter: RequestAdmitter {
    let limiter: RateLimiter
    let resolver: ClientAddressResolver
    var fleet: FailoverRateLimitStore? = nil

    func admit(
        _ head: HTTPRequestHead, peer: IPAddress, nowNanoseconds: Int64, on eventLoop: any EventLoop,
        windows: WindowRecorder?
    ) -> AdmissionResult {
        let forwarded = head.headers[canonicalForm: "x-forwarded-for"]
        let client = resolver.resolve(peer: peer, forwardedFor: forwarded)
        let path = head.uri.utf8.firstIndex(of: UInt8(ascii: "?")).map { head.uri[..<$0] } ?? head.uri[...]
        let route = limiter.match(method: head.method.rawValue, path: path)
        windows?.record(route: route.index, client: client, now: nowNanoseconds)
        guard let fleet else {
            return .now(Self.admission(limiter.check(client: client, route: route, now: nowNanoseconds), route: route))
        }
        let plan = limiter.plan(client: client, route: route, now: nowNanoseconds)
        return .later(fleet.decide(plan, on: eventLoop).map { Self.admission($0, route: route) })
    }

    private static func admission(_ decision: RateLimitDecision, route: RouteMatch) -> Admission {
        let client = decision.client
        var admission = Admission(rateLimit: decision, responseHeaders: [])
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
