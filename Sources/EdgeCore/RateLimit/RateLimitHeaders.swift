/// Renders a `RateLimitDecision` as CONTRACT section 3 fixes it, byte for byte, plus the IETF draft fields
/// (draft-ietf-httpapi-ratelimit-headers, structured-field form):
///
/// ```
/// X-RateLimit-Bucket: LIMITER/203.0.113.7/users.create/5/1/minute
/// X-RateLimit-Limit: 5
/// X-RateLimit-Remaining: 4
/// X-RateLimit-Reset: 1764395460
/// X-RateLimit-Retry-After: 0
/// X-RateLimit-Reset-After: 60
/// X-RateLimit-Global: true            (only when the global rule rejected)
/// Retry-After: 7                      (only when rejected: whole seconds, at least 1)
/// RateLimit-Policy: "users.create";q=5;w=60
/// RateLimit: "users.create";r=4;t=60
/// ```
///
/// Seconds with decimals are rounded up to the millisecond and printed without trailing zeros. The writers
/// append to a caller's buffer (the proxy copies it into the response head's `ByteBuffer`); they build no
/// Strings.
public enum RateLimitHeaders {
    /// Appends every header as `Name: value\r\n`. `draftFields` adds `RateLimit-Policy` and `RateLimit`.
    public static func write(_ decision: RateLimitDecision, into buffer: inout [UInt8], draftFields: Bool = true) {
        forEachField(decision, draftFields: draftFields) { name, value in
            ASCII.append(name, to: &buffer)
            ASCII.append(": ", to: &buffer)
            value(&buffer)
            ASCII.append("\r\n", to: &buffer)
        }
    }

    /// Calls `field` with each header's name and a writer of its value, in order: the one definition of
    /// the header set.
    @inline(__always)
    private static func forEachField(
        _ decision: RateLimitDecision, draftFields: Bool,
        _ field: (StaticString, (inout [UInt8]) -> Void) -> Void
    ) {
        field("X-RateLimit-Bucket") { appendBucket(decision, to: &$0) }
        field("X-RateLimit-Limit") { ASCII.appendDecimal(Int64(decision.limit), to: &$0) }
        field("X-RateLimit-Remaining") { ASCII.appendDecimal(max(0, decision.remaining), to: &$0) }
        field("X-RateLimit-Reset") { ASCII.appendDecimal(decision.resetEpochSeconds, to: &$0) }
        field("X-RateLimit-Retry-After") { ASCII.appendDecimal(decision.retryAfterSeconds, to: &$0) }
        field("X-RateLimit-Reset-After") { ASCII.appendSeconds(nanoseconds: decision.resetAfter, to: &$0) }
        if decision.outcome == .rejected {
            if decision.isGlobal { field("X-RateLimit-Global") { ASCII.append("true", to: &$0) } }
            field("Retry-After") { ASCII.appendDecimal(max(1, decision.retryAfterSeconds), to: &$0) }
        }
        if draftFields {
            field("RateLimit-Policy") {
                $0 += decision.policy.structuredName
                ASCII.append(";q=", to: &$0)
                ASCII.appendDecimal(Int64(decision.limit), to: &$0)
                ASCII.append(";w=", to: &$0)
                ASCII.appendDecimal(decision.policy.windowSeconds, to: &$0)
            }
            field("RateLimit") {
                $0 += decision.policy.structuredName
                ASCII.append(";r=", to: &$0)
                ASCII.appendDecimal(max(0, decision.remaining), to: &$0)
                ASCII.append(";t=", to: &$0)
                ASCII.appendDecimal(ASCII.ceilDiv(decision.resetAfter, 1_000_000_000), to: &$0)
            }
        }
    }

    /// `LIMITER/<client ip>/<ROUTE_NAME>/<limit>/<time>/<per>`.
    public static func appendBucket(_ decision: RateLimitDecision, to buffer: inout [UInt8]) {
        ASCII.append("LIMITER/", to: &buffer)
        ASCII.appendAddress(decision.client, to: &buffer)
        buffer += decision.policy.bucketSuffix
    }

    /// The 429 body: `{"message": "You are being rate limited.", "retry_after": 6.457, "global": false,
    /// "bucket": "LIMITER/..."}`. `retry_after` is in seconds and always carries a decimal point (`1.0`) so
    /// that JSON readers see a float; it is at least one millisecond.
    public static func writeRejectionBody(_ decision: RateLimitDecision, into buffer: inout [UInt8]) {
        ASCII.append(#"{"message": "You are being rate limited.", "retry_after": "#, to: &buffer)
        ASCII.appendSeconds(nanoseconds: max(1, decision.retryAfter), forceFraction: true, to: &buffer)
        ASCII.append(#", "global": "#, to: &buffer)
        if decision.isGlobal { ASCII.append("true", to: &buffer) } else { ASCII.append("false", to: &buffer) }
        ASCII.append(#", "bucket": ""#, to: &buffer)
        // The address needs no escaping; the rest was escaped for JSON once, in `LimitPolicy`.
        ASCII.append("LIMITER/", to: &buffer)
        ASCII.appendAddress(decision.client, to: &buffer)
        buffer += decision.policy.jsonBucketSuffix
        ASCII.append(#""}"#, to: &buffer)
    }

    /// The 429 body as a String.
    public static func rejectionBody(_ decision: RateLimitDecision) -> String {
        var bytes: [UInt8] = []
        writeRejectionBody(decision, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `Content-Type` of the 429 body.
    public static let rejectionContentType = "application/json"
}
