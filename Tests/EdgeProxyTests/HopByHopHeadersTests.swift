import NIOHTTP1
import Testing

@testable import EdgeProxy

@Suite struct HopByHopHeadersTests {
    /// The fields that cross the proxy, as `ForwardedHeaders` keeps them.
    private func kept(_ headers: HTTPHeaders) -> HTTPHeaders {
        let listed = HopByHopHeaders.listedNames(in: headers)
        return HTTPHeaders(headers.filter { !HopByHopHeaders.isDropped($0.name, listed: listed) })
    }

    @Test func connectionSpecificFieldsGoInAnyCaseAndTheRestKeepsItsOrder() {
        let headers = kept(HTTPHeaders([
            ("Host", "a"), ("CONNECTION", "X-Trace, close"), ("Keep-Alive", "timeout=5"), ("X-Trace", "1"),
            ("Transfer-Encoding", "chunked"), ("Accept", "*/*"), ("Proxy-Authorization", "Basic x"), ("TE", "trailers"),
            ("Upgrade", "h2c"), ("Trailer", "X"), ("Proxy-Connection", "keep-alive"), ("Proxy-Authenticate", "Basic"),
            ("x-trace", "2"), ("Content-Type", "text/plain"),
        ]))
        #expect(headers.map(\.name) == ["Host", "Accept", "Content-Type"])
        #expect(headers.map(\.value) == ["a", "*/*", "text/plain"])
    }

    @Test func withoutHopByHopFieldsNothingChanges() {
        let original = HTTPHeaders([("Host", "a"), ("Content-Length", "3"), ("Connectionless", "x"), ("Teapot", "y")])
        #expect(kept(original) == original)
    }

    @Test func caseFoldingIsASCIIOnly() {
        #expect(HopByHopHeaders.equalsIgnoringCase("Transfer-ENCODING", "transfer-encoding"))
        #expect(!HopByHopHeaders.equalsIgnoringCase("transfer_encoding", "transfer-encoding"))
        #expect(!HopByHopHeaders.equalsIgnoringCase("te ", "te"))
        #expect(HopByHopHeaders.isHopByHop("Te".utf8))
        #expect(!HopByHopHeaders.isHopByHop("Tea".utf8))
    }
}
