import EdgeCore
import NIOHTTP1

/// The request head as it goes upstream and the response head as it comes back.
enum ForwardedHeaders {
    /// Hop-by-hop fields removed; `X-Forwarded-For` gets the peer appended (a trusted peer's chain is kept,
    /// an untrusted peer's claim is replaced: the upstream never sees a spoofed chain);
    /// `X-Forwarded-Proto` and `X-Request-ID` set unless a trusted peer (or the client, for the id) sent them.
    static func upstreamRequest(
        _ head: HTTPRequestHead, peer: String, peerTrusted: Bool, requestID: String, proto: String
    ) -> HTTPRequestHead {
        var upstream = head
        upstream.version = .http1_1
        HopByHopHeaders.strip(&upstream.headers)
        // The proxy answers `Expect: 100-continue` itself once it has decided to relay.
        upstream.headers.remove(name: "expect")
        setForwarding(&upstream.headers, peer: peer, peerTrusted: peerTrusted, proto: proto)
        upstream.headers.replaceOrAdd(name: "X-Request-ID", value: requestID)
        return upstream
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
        var response = HTTPResponseHead(version: clientVersion, status: head.status, headers: head.headers)
        HopByHopHeaders.strip(&response.headers)
        response.headers.reserveCapacity(response.headers.count + extra.count + 2)
        for (name, value) in extra { response.headers.add(name: name, value: value) }
        response.headers.replaceOrAdd(name: "X-Request-ID", value: requestID)
        if !keepAlive {
            response.headers.add(name: "Connection", value: "close")
        } else if clientVersion.minor == 0 {
            response.headers.add(name: "Connection", value: "keep-alive")
        }
        return response
    }
}
