import EdgeCore
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// The gateway listener's plain-HTTP side: `GET /available`, and the answer to upgrades the proxy refused
/// (429 over the per-IP cap, 502/504 when the upstream gateway failed). Removed once a connection upgrades.
///
/// In the pipeline from the accept (the HTTP codec goes in front of it once the PROXY header and TLS are
/// done), it keeps the connection in stub_status's "Active" count until the connection closes or upgrades;
/// the relay keeps it after that. Thousands of idle sessions need no close callback each.
final class GatewayHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let shared: GatewayContext
    private var head: HTTPRequestHead?

    /// Set by the upgrader when it refuses: the response to send instead of 101.
    var refusal: LocalResponse?
    /// Set by the upgrader when the upstream handshake succeeded.
    var pendingUpstream: GatewayUpstreamHandshake?
    /// The client IP holding a connection slot, released when the connection closes.
    var slotHolder: IPAddress?

    /// The client as the listener learned it (a PROXY header's source, else the socket peer); set when the
    /// HTTP codec is installed.
    var client: IPAddress?
    /// The connection upgraded: its relay counts it from now on.
    var handedOver = false

    init(shared: GatewayContext) {
        self.shared = shared
    }

    func handlerAdded(context: ChannelHandlerContext) {
        shared.telemetry?.counters.value(for: context.eventLoop).active.add(1, ordering: .relaxed)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !handedOver { shared.telemetry?.counters.value(for: context.eventLoop).active.subtract(1, ordering: .relaxed) }
        handedOver = true  // counted once
        releaseSlot()
        pendingUpstream?.channel.close(promise: nil)
        pendingUpstream = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if error is NIOWebSocketUpgradeError {
            // A refused upgrade: NIO reports it, then delivers the request as plain HTTP to `respond`.
            return
        }
        if error is HTTPParserError {
            write(.badRequest, close: true, context: context)
        } else {
            context.close(promise: nil)
        }
    }

    func releaseSlot() {
        if let client = slotHolder {
            shared.connections.release(client)
            slotHolder = nil
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        if let refusal {
            self.refusal = nil
            write(refusal, close: false, keepAlive: head.isKeepAlive, context: context)
            return
        }
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        switch (head.method, path) {
        case (.GET, "/available"), (.HEAD, "/available"):
            shared.telemetry?.counters.value(for: context.eventLoop).requests.add(1, ordering: .relaxed)
            let port = context.channel.localAddress?.port ?? 0
            let body = AvailableResponse.body(publicURL: shared.publicURL, listenHost: shared.listenHost, port: port,
                                              secure: shared.preamble.tls != nil)
            write(LocalResponse(status: .ok, headers: [], body: body), close: false, keepAlive: head.isKeepAlive,
                  context: context)
        case (_, "/"):
            write(.error(.upgradeRequired, "This endpoint speaks WebSocket: send an upgrade request."),
                  close: false, keepAlive: head.isKeepAlive, context: context)
        default:
            write(.error(.notFound, "Not found. The gateway serves GET /available and WebSocket upgrades on /."),
                  close: false, keepAlive: head.isKeepAlive, context: context)
        }
    }

    private func write(_ response: LocalResponse, close: Bool, keepAlive: Bool = false, context: ChannelHandlerContext) {
        let closing = close || !keepAlive
        let headers = response.headerFields(keepAlive: !closing)
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: response.status, headers: headers))),
                      promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: response.body)))),
                      promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if closing { done.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
    }
}

/// `GET /available`: the proxy's own public gateway address (CONTRACT section 4), never the upstream's.
enum AvailableResponse {
    /// Without `gateway.public_url`: `ws://` (`wss://` when the listener terminates TLS) and the listener's address.
    static func body(publicURL: String?, listenHost: String, port: Int, secure: Bool = false) -> String {
        let url: String
        let announcedPort: Int
        if let publicURL, let parsed = UpstreamURL(parsing: publicURL) {
            url = publicURL
            announcedPort = parsed.port
        } else {
            let host = listenHost.contains(":") ? "[\(listenHost)]" : listenHost
            url = (secure ? "wss" : "ws") + "://\(host):\(port)"
            announcedPort = port
        }
        return "{\"name\": \"production-1\", \"url\": \"\(JSONEscaping.escape(url))\", \"port\": \(announcedPort)}"
    }
}
