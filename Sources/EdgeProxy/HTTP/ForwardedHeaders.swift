import EdgeCore
import NIOHTTP1

/// The request head as it goes upstream and the response head as it comes back.
enum ForwardedHeaders {
    /// Hop-by-hop fields removed; `X-Forwarded-For` gets the peer appended (a trusted peer's chain is kept,
    /// an untrusted peer's claim is replaced: the upstream never sees a spoofed chain);
    /// `X-Forwarded-Proto` and `X-Request-ID` set unless a trusted peer (or the client, for the id) sent them.
    ///
    /// Built in one pass into one new field list (the fields a client sent are shared with the request head
    /// the proxy keeps, so changing them in place would copy them anyway, then grow them).
    static func upstreamRequest(
        _ head: HTTPRequestHead, peer: String, peerTrusted: Bool, requestID: String, proto: String
    ) -> HTTPRequestHead {
        let source = head.headers
        let listed = HopByHopHeaders.listedNames(in: source)
        var headers = HTTPHeaders()
        headers.reserveCapacity(source.count + 3)
        var chain = ""
        var protoKept = false
        for (name, value) in source where !HopByHopHeaders.isDropped(name, listed: listed) {
            switch Replaced(name) {
            case .forwardedFor:
                // A trusted peer's chain is extended; an untrusted peer's claim is dropped.
                if peerTrusted { chain += chain.isEmpty ? value : ", " + value }
            case .forwardedProto:
                if peerTrusted {
                    protoKept = true
                    headers.add(name: name, value: value)
                }
            case .requestID, .expect:
                // The proxy answers `Expect: 100-continue` itself once it has decided to relay.
                continue
            case nil:
                headers.add(name: name, value: value)
            }
        }
        headers.add(name: "X-Forwarded-For", value: chain.isEmpty ? peer : chain + ", " + peer)
        if !protoKept { headers.add(name: "X-Forwarded-Proto", value: proto) }
        headers.add(name: "X-Request-ID", value: requestID)
        var upstream = head
        if upstream.version != .http1_1 { upstream.version = .http1_1 }  // setting it copies the head's storage
        upstream.headers = headers
        return upstream
    }

    /// The request fields the proxy sets itself (or drops), recognised without lowercasing.
    private enum Replaced {
        case forwardedFor, forwardedProto, requestID, expect

        init?(_ name: String) {
            // First-letter screen: most fields start with neither.
            switch name.utf8.first.map({ $0 | 0x20 }) {
            case UInt8(ascii: "x"):
                if HopByHopHeaders.equalsIgnoringCase(name, "x-forwarded-for") {
                    self = .forwardedFor
                } else if HopByHopHeaders.equalsIgnoringCase(name, "x-forwarded-proto") {
                    self = .forwardedProto
                } else if HopByHopHeaders.equalsIgnoringCase(name, "x-request-id") {
                    self = .requestID
                } else {
                    return nil
                }
            case UInt8(ascii: "e") where HopByHopHeaders.equalsIgnoringCase(name, "expect"):
                self = .expect
            default:
                return nil
            }
        }
    }

    /// `X-Forwarded-For`: a trusted peer's chain plus the peer, else the peer alone (a spoofed chain is never
    /// passed on). `X-Forwarded-Proto`: kept from a trusted peer, else `proto`. Used by REST and the gateway.
    /// `peer` is the address as text (REST connections render it once, not per request).
    static func setForwarding(_ headers: inout HTTPHeaders, peer peerText: String, peerTrusted: Bool, proto: String) {
        let chain = headers["x-forwarded-for"]
        if peerTrusted, !chain.isEmpty {
            headers.replaceOrAdd(name: "X-Forwarded-For", value: chain.joined(separator: ", ") + ", " + peerText)
        } else {
            headers.replaceOrAdd(name: "X-Forwarded-For", value: peerText)
        }
        if !(peerTrusted && headers.contains(name: "x-forwarded-proto")) {
            headers.replaceOrAdd(name: "X-Forwarded-Proto", value: proto)
        }
    }

    /// The upstream's response head for the client: hop-by-hop removed, the admission's headers and the
    /// request id added, `Connection` set for the client's side of keep-alive.
    static func clientResponse(
        _ head: HTTPResponseHead, clientVersion: HTTPVersion, keepAlive: Bool,
        extra: [(name: String, value: String)], requestID: String
    ) -> HTTPResponseHead {
        let source = head.headers
        let listed = HopByHopHeaders.listedNames(in: source)
        var headers = HTTPHeaders()
        headers.reserveCapacity(source.count + extra.count + 2)
        for (name, value) in source where !HopByHopHeaders.isDropped(name, listed: listed) {
            if Replaced(name) == .requestID { continue }
            headers.add(name: name, value: value)
        }
        for (name, value) in extra { headers.add(name: name, value: value) }
        headers.add(name: "X-Request-ID", value: requestID)
        if !keepAlive {
            headers.add(name: "Connection", value: "close")
        } else if clientVersion.minor == 0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        var response = head
        if response.version != clientVersion { response.version = clientVersion }
        response.headers = headers
        return response
    }
}
