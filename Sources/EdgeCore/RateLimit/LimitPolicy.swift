/// A rule compiled for the hot path: its numbers, its index in the bucket key, and the bytes that the
/// headers repeat on every response (bucket suffix, structured-field name), rendered once.
public final class LimitPolicy: Sendable {
    public let rule: RateLimitRule
    /// The `BucketKey.rule` component: 0 = global, 1 = default, then routes, then shadow rules.
    public let index: UInt32
    public let parameters: LimitParameters
    /// `/<ROUTE_NAME>/<limit>/<time>/<per>`, the part of `X-RateLimit-Bucket` after the client address.
    let bucketSuffix: [UInt8]
    /// `bucketSuffix` escaped for a JSON string (the 429 body).
    let jsonBucketSuffix: [UInt8]
    /// The rule name as a structured-field string (RFC 8941 sf-string, quoted and escaped).
    let structuredName: [UInt8]

    public init(rule: RateLimitRule, index: UInt32) {
        self.rule = rule
        self.index = index
        parameters = LimitParameters(rule)
        var suffix: [UInt8] = [UInt8(ascii: "/")]
        // Control bytes would break the header line (or inject one): they become `_`.
        suffix += rule.name.utf8.map { $0 < 0x20 || $0 == 0x7F ? UInt8(ascii: "_") : $0 }
        suffix.append(UInt8(ascii: "/"))
        ASCII.appendDecimal(Int64(rule.limit), to: &suffix)
        suffix.append(UInt8(ascii: "/"))
        ASCII.appendDecimal(rule.per.count, to: &suffix)
        suffix.append(UInt8(ascii: "/"))
        suffix += rule.per.unit.bucketWord.utf8
        bucketSuffix = suffix
        jsonBucketSuffix = LimitPolicy.jsonEscaped(suffix)
        var quoted: [UInt8] = [UInt8(ascii: "\"")]
        for byte in rule.name.utf8 where byte >= 0x20 && byte < 0x7F {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { quoted.append(UInt8(ascii: "\\")) }
            quoted.append(byte)
        }
        quoted.append(UInt8(ascii: "\""))
        structuredName = quoted
    }

    /// ROUTE_NAME.
    public var name: String { rule.name }
    public var dryRun: Bool { rule.dryRun }
    /// The window in whole seconds (rounded up), as `RateLimit-Policy` reports it.
    public var windowSeconds: Int64 { ASCII.ceilDiv(parameters.period, 1_000_000_000) }

    /// `"` and `\` escaped; the suffix holds no control bytes.
    static func jsonEscaped(_ bytes: [UInt8]) -> [UInt8] {
        var result: [UInt8] = []
        for byte in bytes {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { result.append(UInt8(ascii: "\\")) }
            result.append(byte)
        }
        return result
    }

    func request(for client: IPAddress) -> BucketRequest {
        BucketRequest(key: BucketKey(client: client, rule: index), parameters: parameters, dryRun: rule.dryRun)
    }
}
