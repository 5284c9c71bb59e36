import NIOCore
import NIOHTTP1
import Testing

@testable import EdgeProxy

/// `ForwardedHeaders`: the exact field lists that go upstream (back to the client: `ClientResponseWriterTests`).
@Suite struct ForwardedHeadersTests {
    /// The head as written: its lines, without the blank line that must end it.
    private func lines(_ bytes: ByteBuffer) -> [String] {
        let text = String(buffer: bytes)
        #expect(text.hasSuffix("\r\n\r\n"))
        return text.components(separatedBy: "\r\n").dropLast(2).map { String($0) }
    }

    private func upstream(_ head: HTTPRequestHead, peer: String, trusted: Bool, requestID: String,
                          body: RequestHeadValidator.Body) -> [String] {
        lines(ForwardedHeaders.upstreamRequest(head, peer: peer, peerTrusted: trusted, requestID: .given(requestID),
                                               proto: "http", body: body, allocator: ByteBufferAllocator()))
    }

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
        // An HTTP/1.0 client's request goes up as HTTP/1.1; its declared length stays.
        var head = request
        head.headers.remove(name: "Transfer-Encoding")
        head.headers.add(name: "Content-Length", value: "3")
        #expect(upstream(head, peer: "192.0.2.1", trusted: false, requestID: "client-id", body: .length(3)) == [
            "POST /users/@me HTTP/1.1", "Host: api.example.com", "Authorization: token", "Content-Length: 3",
            "X-Forwarded-For: 192.0.2.1", "X-Forwarded-Proto: http", "X-Request-ID: client-id",
        ])
    }

    @Test func aTrustedPeersChainIsExtendedAndItsProtoKept() {
        // A chunked body is announced again after the hop-by-hop fields went.
        #expect(upstream(request, peer: "10.0.0.5", trusted: true, requestID: "generated", body: .chunked) == [
            "POST /users/@me HTTP/1.1", "Host: api.example.com", "X-Forwarded-Proto: https", "Authorization: token",
            "X-Forwarded-For: 203.0.113.7, 198.51.100.2, 10.0.0.5", "X-Request-ID: generated",
            "Transfer-Encoding: chunked",
        ])
        // The client's own head is untouched (the proxy keeps it for the response).
        #expect(request.headers.count == 11 && request.version == .http1_0)
    }

    @Test(arguments: [(HTTPMethod.POST, true), (.PUT, true), (.PATCH, true), (.GET, false), (.DELETE, false),
                      (.RAW(value: "PURGE"), false)])
    func aBodylessRequestStatesALengthOnlyForMethodsThatUsuallyHaveABody(method: HTTPMethod, length: Bool) {
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: "/x", headers: ["Host": "a"])
        let sent = upstream(head, peer: "192.0.2.1", trusted: false, requestID: "r", body: .none)
        #expect(sent.first == "\(method.rawValue) /x HTTP/1.1")
        #expect(sent.contains("Content-Length: 0") == length)
        #expect(!sent.contains { $0.lowercased().hasPrefix("transfer-encoding") })
    }
}
