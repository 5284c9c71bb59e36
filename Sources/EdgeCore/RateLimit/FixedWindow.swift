/// The default algorithm: a window of `period` opens at the bucket's first counted request, and exactly
/// `limit` requests pass in it. The window frees at its start + `period` (at that nanosecond, not after).
enum FixedWindow {
    static func evaluate(_ parameters: LimitParameters, state: BucketState?, now: Int64) -> BucketEvaluation {
        var start = now
        var count: Int64 = 0
        if let state, now < state.first + parameters.period {
            start = state.first
            count = state.second
        }
        let resetAt = start + parameters.period
        guard count < parameters.limit else {
            return BucketEvaluation(
                allowed: false, remaining: 0, resetAt: resetAt, retryAfter: resetAt - now, counted: state)
        }
        return BucketEvaluation(
            allowed: true, remaining: parameters.limit - count - 1, resetAt: resetAt, retryAfter: 0,
            counted: BucketState(first: start, second: count + 1, expiresAt: resetAt))
    }
}
