import Testing
@testable import EdgeCore

@Suite struct RateLimitHeadersTests {
    let route = RouteRule(method: "POST", path: "/users/@me", rule: rule("users.create", 5, .minutes(1)))

    func text(_ decision: RateLimitDecision, draftFields: Bool = true) -> String {
        var bytes: [UInt8] = []
        RateLimitHeaders.write(decision, into: &bytes, draftFields: draftFields)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func allowedHeadersByteForByte() {
        let limiter = RateLimiter(rules: limits(routes: [route]))
        let match = limiter.match(method: "POST", path: "/users/@me")
        let d = limiter.check(client: ip("203.0.113.7"), route: match, now: epoch + 500_000_000)
        #expect(text(d) == """
            X-RateLimit-Bucket: LIMITER/203.0.113.7/users.create/5/1/minute\r
            X-RateLimit-Limit: 5\r
            X-RateLimit-Remaining: 4\r
            X-RateLimit-Reset: 1764000061\r
            X-RateLimit-Retry-After: 0\r
            X-RateLimit-Reset-After: 60\r
            RateLimit-Policy: "users.create";q=5;w=60\r
            RateLimit: "users.create";r=4;t=60\r

            """)
        // Without the draft fields: the same first six lines, and nothing after them.
        let plain = text(d, draftFields: false)
        #expect(plain.split(separator: "\r\n").count == 6 && text(d).hasPrefix(plain))
    }

    @Test func rejectedRouteHeadersAndBody() {
        let limiter = RateLimiter(rules: limits(routes: [route]))
        let match = limiter.match(method: "POST", path: "/users/@me")
        for _ in 0..<5 { _ = limiter.check(client: ip("203.0.113.7"), route: match, now: epoch + 500_000_000) }
        let d = limiter.check(client: ip("203.0.113.7"), route: match, now: epoch + 51 * second)
        #expect(text(d) == """
            X-RateLimit-Bucket: LIMITER/203.0.113.7/users.create/5/1/minute\r
            X-RateLimit-Limit: 5\r
            X-RateLimit-Remaining: 0\r
            X-RateLimit-Reset: 1764000061\r
            X-RateLimit-Retry-After: 10\r
            X-RateLimit-Reset-After: 9.5\r
            Retry-After: 10\r
            RateLimit-Policy: "users.create";q=5;w=60\r
            RateLimit: "users.create";r=0;t=10\r

            """)
        #expect(RateLimitHeaders.rejectionBody(d) == """
            {"message": "You are being rate limited.", "retry_after": 9.5, "global": false, \
            "bucket": "LIMITER/203.0.113.7/users.create/5/1/minute"}
            """)
    }

    @Test func globalRejectionWithIPv6() {
        let policy = LimitPolicy(rule: rule("GLOBAL", 50, .seconds(1)), index: 0)
        let d = RateLimitDecision(
            outcome: .rejected, isGlobal: true, policy: policy, client: ip("2001:DB8:0:0:0:0:0:7"), remaining: 0,
            resetAt: epoch + 1, retryAfter: 1, now: epoch, globalWouldReject: true)
        #expect(text(d) == """
            X-RateLimit-Bucket: LIMITER/2001:db8::7/GLOBAL/50/1/second\r
            X-RateLimit-Limit: 50\r
            X-RateLimit-Remaining: 0\r
            X-RateLimit-Reset: 1764000001\r
            X-RateLimit-Retry-After: 1\r
            X-RateLimit-Reset-After: 0.001\r
            X-RateLimit-Global: true\r
            Retry-After: 1\r
            RateLimit-Policy: "GLOBAL";q=50;w=1\r
            RateLimit: "GLOBAL";r=0;t=1\r

            """)
        #expect(RateLimitHeaders.rejectionBody(d) == """
            {"message": "You are being rate limited.", "retry_after": 0.001, "global": true, \
            "bucket": "LIMITER/2001:db8::7/GLOBAL/50/1/second"}
            """)
    }

    @Test func bucketNamesForUnitsAndAddresses() {
        let cases: [(RateLimitRule, String, String)] = [
            (rule("guilds.edit", 10, .seconds(10)), "198.51.100.23", "LIMITER/198.51.100.23/guilds.edit/10/10/second"),
            (rule("default", 30, .seconds(10)), "::1", "LIMITER/::1/default/30/10/second"),
            (rule("a", 1, .hours(2)), "fe80::1:0:0:0:1", "LIMITER/fe80:0:0:1::1/a/1/2/hour"),
            (rule("b", 1000, .days(1)), "2001:db8:0:1:1:1:1:1", "LIMITER/2001:db8:0:1:1:1:1:1/b/1000/1/day"),
            (rule("c", 3, .minutes(15)), "::ffff:192.0.2.1", "LIMITER/192.0.2.1/c/3/15/minute"),
        ]
        for (rule, client, expected) in cases {
            let d = RateLimitDecision(
                outcome: .allowed, isGlobal: false, policy: LimitPolicy(rule: rule, index: 1), client: ip(client),
                remaining: 0, resetAt: epoch, retryAfter: 0, now: epoch)
            #expect(d.bucket == expected)
            #expect(d.bucket.contains(ip(client).description))
        }
    }

    @Test func secondsFormatting() {
        func seconds(_ ns: Int64, force: Bool = false) -> String {
            var bytes: [UInt8] = []
            ASCII.appendSeconds(nanoseconds: ns, forceFraction: force, to: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
        #expect(seconds(9_500_000_000) == "9.5")
        #expect(seconds(10 * second) == "10")
        #expect(seconds(10 * second, force: true) == "10.0")
        #expect(seconds(1) == "0.001")
        #expect(seconds(1_250_000_000) == "1.25")
        #expect(seconds(1_234_000_001) == "1.235")
        #expect(seconds(0) == "0")
        #expect(seconds(86_400 * second) == "86400")
        var digits: [UInt8] = []
        ASCII.appendDecimal(Int64(0), to: &digits)
        ASCII.appendDecimal(Int64(-42), to: &digits)
        ASCII.appendDecimal(Int64.max, to: &digits)
        #expect(String(decoding: digits, as: UTF8.self) == "0-42\(Int64.max)")
    }

    /// The proxy writes the fields straight into reserved memory: the same bytes as the array writer, within
    /// `maxLength` even for the widest decision (the longest IPv6 text, a global rejection, the largest numbers).
    @Test func memoryWriterMatchesTheArrayWithinItsBound() {
        let widest = RateLimitDecision(
            outcome: .rejected, isGlobal: true,
            policy: LimitPolicy(rule: rule(String(repeating: "n", count: 64), Int.max, .days(Int64.max / 86_400_000_000_000)),
                                index: 0),
            client: ip("1111:2222:3333:4444:5555:6666:7777:8888"), remaining: Int64.max, resetAt: Int64.max / 2,
            retryAfter: Int64.max / 2, now: 0)
        let allowed = RateLimiter(rules: limits(routes: [route]))
        let match = allowed.match(method: "POST", path: "/users/@me")
        let ordinary = allowed.check(client: ip("203.0.113.7"), route: match, now: epoch + 500_000_000)
        for decision in [widest, ordinary] {
            for draftFields in [true, false] {
                let bound = RateLimitHeaders.maxLength(decision, draftFields: draftFields)
                let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: bound, alignment: 1)
                defer { memory.deallocate() }
                let count = RateLimitHeaders.write(decision, into: memory, draftFields: draftFields)
                let written = String(decoding: UnsafeRawBufferPointer(rebasing: memory[..<count]), as: UTF8.self)
                #expect(written == text(decision, draftFields: draftFields))
                #expect(count <= bound)
            }
        }
        #expect(text(widest).contains("LIMITER/1111:2222:3333:4444:5555:6666:7777:8888/"))
    }

    @Test func structuredFieldNameIsEscaped() {
        let policy = LimitPolicy(rule: rule(#"we"ird\name"#, 1, .seconds(1)), index: 1)
        #expect(String(decoding: policy.structuredName, as: UTF8.self) == #""we\"ird\\name""#)
    }
}

@Suite struct RateLimitBodyEscapingTests {
    @Test func bodyEscapesRuleNamesForJSON() {
        let policy = LimitPolicy(rule: rule("we\"ird\\name\u{1}", 2, .seconds(5)), index: 1)
        let d = RateLimitDecision(
            outcome: .rejected, isGlobal: false, policy: policy, client: ip("192.0.2.1"), remaining: 0,
            resetAt: epoch + 5 * second, retryAfter: 5 * second, now: epoch)
        #expect(RateLimitHeaders.rejectionBody(d) == #"{"message": "You are being rate limited.", "retry_after": 5.0, "#
            + #""global": false, "bucket": "LIMITER/192.0.2.1/we\"ird\\name_/2/5/second"}"#)
        #expect(d.bucket == #"LIMITER/192.0.2.1/we"ird\name_/2/5/second"#)
    }
}

@Suite struct RateLimitAlgorithmHeadersTests {
    @Test func tokenBucketHeadersKeepTheirMeaning() {
        let limiter = RateLimiter(rules: limits(default: rule("default", 10, .seconds(10), .tokenBucket)))
        let client = ip("192.0.2.5")
        var last: RateLimitDecision? = nil
        for _ in 0..<10 { last = limiter.check(client: client, route: limiter.routes.defaultMatch, now: epoch) }
        #expect(last?.remaining == 0)
        // Full again ten seconds on; the next token in one.
        #expect(last?.resetEpochSeconds == epoch / second + 10)
        let rejected = limiter.check(client: client, route: limiter.routes.defaultMatch, now: epoch + 250_000_000)
        var bytes: [UInt8] = []
        RateLimitHeaders.write(rejected, into: &bytes)
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\r\n")
        let values = Dictionary(uniqueKeysWithValues: lines.map { line in
            let colon = line.firstIndex(of: ":")!
            return (String(line[..<colon]), String(line[line.index(colon, offsetBy: 2)...]))
        })
        #expect(values["X-RateLimit-Remaining"] == "0")
        #expect(values["X-RateLimit-Retry-After"] == "1")
        #expect(values["X-RateLimit-Reset-After"] == "9.75")
        #expect(values["Retry-After"] == "1")
        #expect(values["X-RateLimit-Global"] == nil)
        #expect(RateLimitHeaders.rejectionBody(rejected).contains(#""retry_after": 0.75,"#))
    }

    @Test func substringAndByteMethodsMatchLikeStrings() {
        let table = RouteTable(routes: EdgeConfig.defaultRoutes, defaultRule: rule("default", 1, .seconds(1)))
        let line = "PATCH /guilds/99 HTTP/1.1"[...]
        let parts = line.split(separator: " ")
        #expect(table.match(method: parts[0], path: parts[1]).name == "guilds.edit")
        let bytes: [UInt8] = Array("DELETE".utf8)
        let match = bytes.withUnsafeBufferPointer { table.match(methodBytes: $0, path: "/guilds/99") }
        #expect(match.name == "guilds.delete")
    }
}
