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
/// append to a caller's byte array, or write into memory the caller reserved (the proxy's response head); they
/// build no Strings.
public enum RateLimitHeaders {
    /// Appends every header as `Name: value\r\n`. `draftFields` adds `RateLimit-Policy` and `RateLimit`.
    public static func write(_ decision: RateLimitDecision, into buffer: inout [UInt8], draftFields: Bool = true) {
        writeFields(decision, draftFields: draftFields, into: &buffer)
    }

    /// The same into `memory`, which must hold `maxLength(decision)` bytes; returns the count written. The proxy
    /// writes them straight into a response head this way.
    public static func write(
        _ decision: RateLimitDecision, into memory: UnsafeMutableRawBufferPointer, draftFields: Bool = true
    ) -> Int {
        var writer = ASCIIMemoryWriter(memory)
        writeFields(decision, draftFields: draftFields, into: &writer)
        return writer.count
    }

    /// An upper bound of what `write` appends for `decision`.
    public static func maxLength(_ decision: RateLimitDecision, draftFields: Bool = true) -> Int {
        // Every name, separator and line end, an address of 39 characters and numbers of 21 (sign and 20 digits)
        // add up to 491 bytes; the policy's own texts come on top.
        512 + decision.policy.bucketSuffix.count + (draftFields ? 2 * decision.policy.structuredName.count : 0)
    }

    /// Every header as `Name: value\r\n`, in order: the one definition of the header set.
    private static func writeFields<Output: ASCIIOutput>(
        _ decision: RateLimitDecision, draftFields: Bool, into out: inout Output
    ) {
        func field(_ name: StaticString, _ value: (inout Output) -> Void) {
            ASCII.append(name, to: &out)
            ASCII.append(": ", to: &out)
            value(&out)
            ASCII.append("\r\n", to: &out)
        }
        field("X-RateLimit-Bucket") { writeBucket(decision, to: &$0) }
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
                ASCII.append(decision.policy.structuredName, to: &$0)
                ASCII.append(";q=", to: &$0)
                ASCII.appendDecimal(Int64(decision.limit), to: &$0)
                ASCII.append(";w=", to: &$0)
                ASCII.appendDecimal(decision.policy.windowSeconds, to: &$0)
            }
            field("RateLimit") {
                ASCII.append(decision.policy.structuredName, to: &$0)
                ASCII.append(";r=", to: &$0)
                ASCII.appendDecimal(max(0, decision.remaining), to: &$0)
                ASCII.append(";t=", to: &$0)
                ASCII.appendDecimal(ASCII.ceilDiv(decision.resetAfter, 1_000_000_000), to: &$0)
            }
        }
    }

    /// `LIMITER/<client ip>/<ROUTE_NAME>/<limit>/<time>/<per>`.
    public static func appendBucket(_ decision: RateLimitDecision, to buffer: inout [UInt8]) {
        writeBucket(decision, to: &buffer)
    }

    private static func writeBucket<Output: ASCIIOutput>(_ decision: RateLimitDecision, to buffer: inout Output) {
        ASCII.append("LIMITER/", to: &buffer)
        ASCII.appendAddress(decision.client, to: &buffer)
        ASCII.append(decision.policy.bucketSuffix, to: &buffer)
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
