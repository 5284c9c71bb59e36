import EdgeCore
import NIOCore

/// An `AsyncRateLimitStore` that also answers with futures on a given event loop: the proxy's hot path calls
/// it from the request's channel handler and continues on the same loop, with no task or thread hop.
///
/// Same semantics as `AsyncRateLimitStore`: the pair is decided atomically and counted only when both pass.
public protocol EventLoopRateLimitStore: AsyncRateLimitStore {
    func acquire(
        _ first: BucketRequest, _ second: BucketRequest, now: Int64, on eventLoop: any EventLoop
    ) -> EventLoopFuture<(BucketEvaluation, BucketEvaluation)>

    func acquire(_ single: BucketRequest, now: Int64, on eventLoop: any EventLoop) -> EventLoopFuture<BucketEvaluation>
}
