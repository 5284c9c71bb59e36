import NIOHTTP1
import Testing

@testable import EdgeProxy

@Suite struct HopByHopHeadersTests {
    @Test func connectionSpecificFieldsGoInAnyCaseAndTheRestKeepsItsOrder() {
        var headers = HTTPHeaders([
            ("Host", "a"), ("CONNECTION", "X-Trace, close"), ("Keep-Alive", "timeout=5"), ("X-Trace", "1"),
            ("Transfer-Encoding", "chunked"), ("Accept", "*/*"), ("Proxy-Authorization", "Basic x"), ("TE", "trailers"),
            ("Upgrade", "h2c"), ("Trailer", "X"), ("Proxy-Connection", "keep-alive"), ("Proxy-Authenticate", "Basic"),
            ("x-trace", "2"), ("Content-Type", "text/plain"),
        ])
        HopByHopHeaders.strip(&headers)
        #expect(headers.map(\.name) == ["Host", "Accept", "Content-Type"])
        #expect(headers.map(\.value) == ["a", "*/*", "text/plain"])
    }

    @Test func withoutHopByHopFieldsNothingChanges() {
        let original = HTTPHeaders([("Host", "a"), ("Content-Length", "3"), ("Connectionless", "x"), ("Teapot", "y")])
        var headers = original
        HopByHopHeaders.strip(&headers)
        #expect(headers == original)
    }

    @Test func caseFoldingIsASCIIOnly() {
        #expect(HopByHopHeaders.equalsIgnoringCase("Transfer-ENCODING", "transfer-encoding"))
        #expect(!HopByHopHeaders.equalsIgnoringCase("transfer_encoding", "transfer-encoding"))
        #expect(!HopByHopHeaders.equalsIgnoringCase("te ", "te"))
        #expect(HopByHopHeaders.isHopByHop("Te"))
        #expect(!HopByHopHeaders.isHopByHop("Tea"))
    }
}
