import EdgeCore
import NIOCore
import NIOHTTP1

/// The request head as it goes upstream (the response head as it comes back: `ClientResponseWriter`).
enum ForwardedHeaders {
    /// The REST request head as it goes upstream, as bytes: `method target HTTP/1.1`, `upstreamFields` (with the
    /// request id, without `Expect`: the proxy answers `Expect: 100-continue` itself once it has decided to relay),
    /// and the body's framing stated again for the upstream (`UpstreamConnectionHandler` frames the body to match):
    ///
    /// - a chunked body: `Transfer-Encoding: chunked`. The client's `Transfer-Encoding` is hop-by-hop and
    ///   dropped with the rest, and a body sent without it would be read upstream as the next request on the
    ///   pooled connection (request smuggling past the limiter), whatever the method;
    /// - a `Content-Length` body: the client's field, kept;
    /// - no body: POST, PUT and PATCH say `Content-Length: 0` (servers may insist on a length for them, 411).
    static func upstreamRequest(
        _ head: HTTPRequestHead, peer: String, peerTrusted: Bool, requestID: RequestID, proto: String,
        body: RequestHeadValidator.Body, allocator: ByteBufferAllocator, buffers: HeadBufferCache? = nil
    ) -> ByteBuffer {
        // The request line; each client field as `name: value` CRLF, plus 2 for the `, ` that joins a trusted chain;
        // `X-Forwarded-For: ` chain `, ` peer CRLF; `X-Forwarded-Proto: ` proto CRLF; `X-Request-ID: ` id CRLF; the
        // framing field (28 at most) and the blank line.
        var bound = head.method.rawValue.utf8.count + 1 + head.uri.utf8.count + 11
            + 21 + peer.utf8.count + 21 + proto.utf8.count + 16 + requestID.utf8Count + 28 + 2
        for (name, value) in head.headers { bound += name.utf8.count + value.utf8.count + 4 + 2 }
        var bytes = HeadBufferCache.take(.request, capacity: bound, from: buffers, allocator: allocator)
        HeadWriter.write(into: &bytes, bound: bound) { writer in
            writer.append(head.method.rawValue)
            writer.append(" ")
            writer.append(head.uri)
            writer.append(" HTTP/1.1\r\n")
            forEachUpstreamField(head.headers, peer: peer, peerTrusted: peerTrusted, proto: proto,
                                 replacesRequestID: !requestID.isEmpty, dropping: isExpect) { name, value in
                writer.field(name, value)
            }
            requestID.writeField(into: &writer)
            switch body {
            case .chunked:
                writer.append("Transfer-Encoding: chunked\r\n")
            case .none where head.method == .POST || head.method == .PUT || head.method == .PATCH:
                writer.append("Content-Length: 0\r\n")
            case .none, .length:
                break
            }
            writer.append("\r\n")
        }
        return bytes
    }

    /// A request's fields as they go upstream (REST and gateway): hop-by-hop fields and those `dropping` names
    /// removed; `X-Forwarded-For` gets the peer appended (a trusted peer's chain is kept, an untrusted peer's claim
    /// is replaced: the upstream never sees a spoofed chain); `X-Forwarded-Proto` kept from a trusted peer, else
    /// `proto`; `X-Request-ID` set to `requestID` when given.
    static func upstreamFields(
        _ source: HTTPHeaders, peer: String, peerTrusted: Bool, proto: String, requestID: String?,
        dropping: (String) -> Bool
    ) -> HTTPHeaders {
        var headers = HTTPHeaders()
        headers.reserveCapacity(source.count + 3)  // the three set by `forEachUpstreamField`
        forEachUpstreamField(source, peer: peer, peerTrusted: peerTrusted, proto: proto,
                             replacesRequestID: requestID != nil, dropping: dropping) { headers.add(name: $0, value: $1) }
        if let requestID { headers.add(name: "X-Request-ID", value: requestID) }
        return headers
    }

    /// The fields of `upstreamFields` but the request id, in order, in one pass over the client's (which stay as they
    /// are: the proxy keeps the client's head for the response). `replacesRequestID`: the client's `X-Request-ID` is
    /// left out, since the caller adds the request's own after these.
    private static func forEachUpstreamField(
        _ source: HTTPHeaders, peer: String, peerTrusted: Bool, proto: String, replacesRequestID: Bool,
        dropping: (String) -> Bool, _ field: (String, String) -> Void
    ) {
        let listed = HopByHopHeaders.listedNames(in: source)
        var chain = ""
        var protoKept = false
        for (name, value) in source where !HopByHopHeaders.isDropped(name, listed: listed) && !dropping(name) {
            switch Replaced(name) {
            case .forwardedFor:
                if peerTrusted { chain += chain.isEmpty ? value : ", " + value }
            case .forwardedProto:
                if peerTrusted {
                    protoKept = true
                    field(name, value)
                }
            case .requestID where replacesRequestID:
                continue
            default:
                field(name, value)
            }
        }
        field("X-Forwarded-For", chain.isEmpty ? peer : chain + ", " + peer)
        if !protoKept { field("X-Forwarded-Proto", proto) }
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
