import EdgeCore
import NIOHTTP1

/// The request head as it goes upstream (the response head as it comes back: `ClientResponseWriter`).
enum ForwardedHeaders {
    /// The REST request as it goes upstream: `upstreamFields` (with the request id, without `Expect`: the
    /// proxy answers `Expect: 100-continue` itself once it has decided to relay), as HTTP/1.1.
    ///
    /// - Parameter chunked: the client's body is chunked. Its `Transfer-Encoding` is hop-by-hop and dropped
    ///   with the rest, so the upstream request says it again: NIO's encoder frames a body it is not told
    ///   about only for POST, PUT and PATCH, and any other method's body would go out unframed, to be read
    ///   upstream as the next request on the pooled connection (request smuggling past the limiter).
    static func upstreamRequest(
        _ head: HTTPRequestHead, peer: String, peerTrusted: Bool, requestID: String, proto: String, chunked: Bool
    ) -> HTTPRequestHead {
        var headers = upstreamFields(head.headers, peer: peer, peerTrusted: peerTrusted, proto: proto,
                                     requestID: requestID, dropping: isExpect)
        if chunked { headers.add(name: "Transfer-Encoding", value: "chunked") }
        var upstream = head
        if upstream.version != .http1_1 { upstream.version = .http1_1 }  // setting it copies the head's storage
        upstream.headers = headers
        return upstream
    }

    /// A request's fields as they go upstream (REST and gateway), in one pass into one new list: hop-by-hop
    /// fields and those `dropping` names removed; `X-Forwarded-For` gets the peer appended (a trusted peer's
    /// chain is kept, an untrusted peer's claim is replaced: the upstream never sees a spoofed chain);
    /// `X-Forwarded-Proto` kept from a trusted peer, else `proto`; `X-Request-ID` set to `requestID` when
    /// given. One pass because the client's fields are shared with the request head the proxy keeps:
    /// changing them in place would copy them anyway, then grow them.
    static func upstreamFields(
        _ source: HTTPHeaders, peer: String, peerTrusted: Bool, proto: String, requestID: String?,
        dropping: (String) -> Bool
    ) -> HTTPHeaders {
        let listed = HopByHopHeaders.listedNames(in: source)
        var headers = HTTPHeaders()
        headers.reserveCapacity(source.count + 4)  // the three set below, and `upstreamRequest`'s `Transfer-Encoding`
        var chain = ""
        var protoKept = false
        for (name, value) in source where !HopByHopHeaders.isDropped(name, listed: listed) && !dropping(name) {
            switch Replaced(name) {
            case .forwardedFor:
                if peerTrusted { chain += chain.isEmpty ? value : ", " + value }
            case .forwardedProto:
                if peerTrusted {
                    protoKept = true
                    headers.add(name: name, value: value)
                }
            case .requestID where requestID != nil:
                continue
            default:
                headers.add(name: name, value: value)
            }
        }
        headers.add(name: "X-Forwarded-For", value: chain.isEmpty ? peer : chain + ", " + peer)
        if !protoKept { headers.add(name: "X-Forwarded-Proto", value: proto) }
        if let requestID { headers.add(name: "X-Request-ID", value: requestID) }
        return headers
    }

    /// `Expect`, without lowercasing (a first-letter screen, then one comparison).
    private static func isExpect(_ name: String) -> Bool {
        name.utf8.first.map { $0 | 0x20 } == UInt8(ascii: "e") && HopByHopHeaders.equalsIgnoringCase(name, "expect")
    }

    /// The fields the proxy sets itself, recognised without lowercasing.
    enum Replaced {
        case forwardedFor, forwardedProto, requestID

        init?(_ name: String) {
            // First-letter screen: most fields do not start with an x.
            guard name.utf8.first.map({ $0 | 0x20 }) == UInt8(ascii: "x") else { return nil }
            if HopByHopHeaders.equalsIgnoringCase(name, "x-forwarded-for") {
                self = .forwardedFor
            } else if HopByHopHeaders.equalsIgnoringCase(name, "x-forwarded-proto") {
                self = .forwardedProto
            } else if HopByHopHeaders.equalsIgnoringCase(name, "x-request-id") {
                self = .requestID
            } else {
                return nil
            }
        }
    }
}
