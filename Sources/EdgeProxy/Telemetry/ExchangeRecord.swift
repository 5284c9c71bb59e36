import EdgeMetrics
import NIOCore
import NIOHTTP1

/// What one request/response exchange leaves in the metrics: begun at its head, recorded exactly once
/// wherever it ends (relayed response, local answer, broken upstream, client gone).
struct ExchangeRecord {
    private var start = NIODeadline.uptimeNanoseconds(0)
    private var method = HTTPMethodClass.other
    private var pending = false
    /// The response status as known so far (the upstream's head, or the proxy's own answer).
    var status = 0
    var bytesIn = 0
    var bytesOut = 0
    /// The upstream server used, and when the request went to it.
    var upstream: Int?
    var upstreamSentAt = NIODeadline.uptimeNanoseconds(0)

    mutating func begin(method: HTTPMethod, at now: NIODeadline) {
        self = ExchangeRecord()
        self.method = HTTPMethodClass(method)
        start = now
        pending = true
    }

    /// Records the exchange (once) into `shard` with the admission's route and limiter flags.
    mutating func finish(status finalStatus: Int, admission: Admission, shard: MetricsShard?, at now: NIODeadline) {
        guard pending else { return }
        pending = false
        shard?.recordRequest(
            route: admission.routeIndex, method: method, status: finalStatus, bytesIn: bytesIn, bytesOut: bytesOut,
            latencyNanos: Int64((now - start).nanoseconds), rateLimited: admission.rateLimited,
            dryRunWouldReject: admission.dryRunWouldReject, shadowWouldReject: admission.shadowWouldReject,
            client: admission.rateLimited ? admission.client : nil, upstream: upstream
        )
    }

    /// The upstream part of the exchange: a completed response, or how it failed.
    func recordUpstream(_ failure: UpstreamFailure?, shard: MetricsShard?, at now: NIODeadline) {
        guard let upstream else { return }
        shard?.recordUpstream(server: upstream, latencyNanos: Int64((now - upstreamSentAt).nanoseconds), failure: failure)
    }

    var isPending: Bool { pending }
}

extension HTTPMethodClass {
    /// The class of a parsed method, by its case: no name is rendered and compared per request.
    init(_ method: HTTPMethod) {
        switch method {
        case .GET: self = .get
        case .POST: self = .post
        case .PUT: self = .put
        case .PATCH: self = .patch
        case .DELETE: self = .delete
        case .HEAD: self = .head
        case .OPTIONS: self = .options
        default: self = .other
        }
    }
}
