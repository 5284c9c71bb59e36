import EdgeCore
import NIOCore

extension EventLoopRateLimitStore {
    /// Decides one request of `plan` (from `RateLimiter.plan(client:route:now:)`) on `eventLoop`: the global
    /// and route buckets together, each shadow rule alone, all sent at once (pipelined: one round trip in all),
    /// then `RateLimitPlan.decision`. The future completes on `eventLoop`.
    ///
    /// It fails only when the pair fails (`RateLimitStoreUnavailable` under `on_store_failure: deny`, or a
    /// store error from a store without failover). A shadow rule that cannot be decided counts as not
    /// rejecting: shadows only report.
    public func decide(_ plan: RateLimitPlan, on eventLoop: any EventLoop) -> EventLoopFuture<RateLimitDecision> {
        let pair = acquire(plan.globalRequest, plan.routeRequest, now: plan.now, on: eventLoop)
        guard !plan.shadows.isEmpty else {
            return pair.map { plan.decision(global: $0.0, route: $0.1) }
        }
        let shadows = (0..<plan.shadows.count).map { acquire(plan.shadowRequest($0), now: plan.now, on: eventLoop) }
        return pair.flatMap { global, route in
            EventLoopFuture.whenAllComplete(shadows, on: eventLoop).map { results in
                var bits: UInt64 = 0
                for (index, result) in results.enumerated() {
                    if case .success(let evaluation) = result, !evaluation.allowed { bits |= 1 << UInt64(index) }
                }
                return plan.decision(global: global, route: route, shadowWouldReject: bits)
            }
        }
    }
}
