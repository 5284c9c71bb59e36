import NIOHTTP1
import Testing

@testable import EdgeProxy

/// `ForwardedHeaders`: the exact field lists that go upstream (back to the client: `ClientResponseWriterTests`).
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
            request, peer: "192.0.2.1", peerTrusted: false, requestID: "client-id", proto: "http", chunked: false)
        #expect(upstream.version == .http1_1)
        #expect(upstream.method == .POST && upstream.uri == "/users/@me")
        #expect(fields(upstream.headers) == [
            "Host: api.example.com", "Authorization: token",
            "X-Forwarded-For: 192.0.2.1", "X-Forwarded-Proto: http", "X-Request-ID: client-id",
        ])
    }

    @Test func aTrustedPeersChainIsExtendedAndItsProtoKept() {
        let upstream = ForwardedHeaders.upstreamRequest(
            request, peer: "10.0.0.5", peerTrusted: true, requestID: "generated", proto: "http", chunked: true)
        // A chunked body is announced again after the hop-by-hop fields went.
        #expect(fields(upstream.headers) == [
            "Host: api.example.com", "X-Forwarded-Proto: https", "Authorization: token",
            "X-Forwarded-For: 203.0.113.7, 198.51.100.2, 10.0.0.5", "X-Request-ID: generated",
            "Transfer-Encoding: chunked",
        ])
        // The client's own head is untouched (the proxy keeps it for the response).
        #expect(request.headers.count == 11 && request.version == .http1_0)
    }
}
