/// GCRA, the token bucket without a refill timer: a burst of `limit`, one more every `period / limit`.
///
/// The state is the theoretical arrival time (TAT). A request passes when `now >= TAT + T - limit * T`,
/// where T is the emission interval; it then moves TAT by T. The bucket is full again (`resetAt`) at TAT.
enum TokenBucket {
    static func evaluate(_ parameters: LimitParameters, state: BucketState?, now: Int64) -> BucketEvaluation {
        let interval = max(1, parameters.period / parameters.limit)
        let tolerance = interval * parameters.limit
        let tat = max(state?.first ?? now, now)
        let newTAT = tat + interval
        let allowAt = newTAT - tolerance
        guard now >= allowAt else {
            return BucketEvaluation(
                allowed: false, remaining: 0, resetAt: tat, retryAfter: allowAt - now, counted: state)
        }
        let remaining = (tolerance - (newTAT - now)) / interval
        return BucketEvaluation(
            allowed: true, remaining: max(0, remaining), resetAt: newTAT, retryAfter: 0,
            counted: BucketState(first: newTAT, second: 0, expiresAt: newTAT))
    }
}
