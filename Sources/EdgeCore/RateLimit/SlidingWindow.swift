/// The sliding-window approximation: windows of `period` on a grid starting at the bucket's first counted
/// request; the estimate is `previous * (period - elapsed) / period + current`, and a request passes when
/// the estimate including it stays within `limit`. Arithmetic in `Int128`, so long periods cannot overflow.
enum SlidingWindow {
    static func evaluate(_ parameters: LimitParameters, state: BucketState?, now: Int64) -> BucketEvaluation {
        let period = parameters.period
        let limit = Int128(parameters.limit)
        var start = now
        var previous: Int64 = 0
        var current: Int64 = 0
        if let state {
            let windows = max(0, (now - state.first) / period)
            let oldPrevious = state.second >> 32
            let oldCurrent = state.second & 0xFFFF_FFFF
            if windows == 0 {
                start = state.first
                previous = oldPrevious
                current = oldCurrent
            } else if windows == 1 {
                start = state.first + period
                previous = oldCurrent
            }
        }
        let elapsed = max(0, now - start)  // a clock stepping back does not inflate the estimate
        let p = Int128(period)
        let weightedPrevious = Int128(previous) * Int128(period - elapsed)
        let used = weightedPrevious + Int128(current + 1) * p
        if used <= limit * p {
            let remaining = Int64((limit * p - used) / p)
            let resetAt = start + 2 * period
            return BucketEvaluation(
                allowed: true, remaining: remaining, resetAt: resetAt, retryAfter: 0,
                counted: BucketState(first: start, second: previous << 32 | (current + 1), expiresAt: resetAt))
        }
        let retryAt: Int64
        if Int128(current) + 1 <= limit, previous > 0 {
            // Room in this window once enough of the previous one has slid out.
            let room = (limit - Int128(current) - 1) * p
            retryAt = start + period - Int64(room / Int128(previous))
        } else {
            // The current window is full: in the next one it becomes the weighted previous count.
            let room = (limit - 1) * p
            let slide = current > 0 ? period - Int64(room / Int128(current)) : 0
            retryAt = start + period + slide
        }
        let resetAt = current > 0 ? start + 2 * period : start + period
        return BucketEvaluation(
            allowed: false, remaining: 0, resetAt: resetAt, retryAfter: max(1, retryAt - now), counted: state)
    }
}
