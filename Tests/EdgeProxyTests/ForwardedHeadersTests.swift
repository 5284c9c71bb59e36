import NIOHTTP1
import Testing

@testable import EdgeProxy

/// `ForwardedHeaders`: the exact field lists that go upstream and back to the client.
@Suite struct ForwardedHeadersTests {
    private func fields(_ headers: HTTPHeaders) -> [String] { headers.map { "\($0.name): \($0.value)" } }

    private let request: HTTPRequestHead = {
        var head = HTTPRequestHead(version: .http1_0, method: .POST, uri: "/users/@me")
        for (name, value) in [
            ("Host", "api.example.com"), ("Connection", "keep-alive, X-Secret"), ("X-Secret", "s"),
            ("X-Forwarded-For", "203.0.113.7"), ("Keep-Alive", "timeout=5"), ("x-forwarded-for", "198.51.100.2"),
            ("Expect", "100-continue"), ("X-Forwarded-Proto", "https"), ("x-request-id", "client-id"),
            ("Transfer-Encoding", "chunked"), ("Authorization", "token"),
        ] { head.headers.add(name: name, value: value) }
        return head
    }()

    @Test func anUntrustedPeersClaimsAreReplacedAndHopByHopFieldsDropped() {
        let upstream = ForwardedHeaders.upstreamRequest(
            request, peer: "192.0.2.1", peerTrusted: false, requestID: "client-id", proto: "http")
        #expect(upstream.version == .http1_1)
        #expect(upstream.method == .POST && upstream.uri == "/users/@me")
        #expect(fields(upstream.headers) == [
            "Host: api.example.com", "Authorization: token",
            "X-Forwarded-For: 192.0.2.1", "X-Forwarded-Proto: http", "X-Request-ID: client-id",
        ])
    }

    @Test func aTrustedPeersChainIsExtendedAndItsProtoKept() {
        let upstream = ForwardedHeaders.upstreamRequest(
            request, peer: "10.0.0.5", peerTrusted: true, requestID: "generated", proto: "http")
        #expect(fields(upstream.headers) == [
            "Host: api.example.com", "X-Forwarded-Proto: https", "Authorization: token",
            "X-Forwarded-For: 203.0.113.7, 198.51.100.2, 10.0.0.5", "X-Request-ID: generated",
        ])
        // The client's own head is untouched (the proxy keeps it for the response).
        #expect(request.headers.count == 11 && request.version == .http1_0)
    }

    @Test func theResponseLosesHopByHopFieldsAndGainsTheProxysOwn() {
        var head = HTTPResponseHead(version: .http1_1, status: .ok)
        for (name, value) in [
            ("Content-Type", "application/json"), ("Connection", "close, X-Internal"), ("X-Internal", "1"),
            ("X-Request-ID", "upstream-id"), ("Content-Length", "2"), ("Upgrade", "h2c"),
        ] { head.headers.add(name: name, value: value) }
        let extra = [(name: "X-RateLimit-Limit", value: "5"), (name: "X-RateLimit-Remaining", value: "4")]
        let kept = ForwardedHeaders.clientResponse(head, clientVersion: .http1_1, keepAlive: true, extra: extra,
                                                   requestID: "rid")
        #expect(kept.status == .ok && kept.version == .http1_1)
        #expect(fields(kept.headers) == [
            "Content-Type: application/json", "Content-Length: 2",
            "X-RateLimit-Limit: 5", "X-RateLimit-Remaining: 4", "X-Request-ID: rid",
        ])
        let closing = ForwardedHeaders.clientResponse(head, clientVersion: .http1_1, keepAlive: false, extra: [],
                                                      requestID: "rid")
        #expect(fields(closing.headers).last == "Connection: close")
        let old = ForwardedHeaders.clientResponse(head, clientVersion: .http1_0, keepAlive: true, extra: [],
                                                  requestID: "rid")
        #expect(old.version == .http1_0)
        #expect(fields(old.headers).last == "Connection: keep-alive")
    }
}
