import EdgeCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A completed WebSocket handshake with an upstream gateway server.
///
/// `@unchecked Sendable`: it crosses a future's completion, but is created and used only on the channel's
/// own event loop (the client's).
struct GatewayUpstreamHandshake: @unchecked Sendable {
    let channel: any Channel
    let relay: GatewayUpstreamRelay
    let response: HTTPResponseHead
}

enum GatewayUpstreamError: Error {
    case noServers
    case refused(HTTPResponseStatus?)
    case timedOut
}

/// Opens the upstream side of a gateway connection: TCP on the client's event loop, then the WebSocket
/// client handshake carrying `X-Forwarded-For`. Servers are tried in round-robin order; one that refuses
/// the connection or the upgrade is skipped for the next.
enum GatewayUpstreamConnector {
    static func connect(
        shared: GatewayContext, clientRequest: HTTPRequestHead, peer: IPAddress?, peerTrusted: Bool,
        on loop: any EventLoop
    ) -> EventLoopFuture<GatewayUpstreamHandshake> {
        guard !shared.upstreams.isEmpty else { return loop.makeFailedFuture(GatewayUpstreamError.noServers) }
        let first = shared.takeUpstreamIndex()
        return attempt(shared: shared, clientRequest: clientRequest, peer: peer, peerTrusted: peerTrusted, loop: loop,
                       first: first, tried: 0)
    }

    private static func attempt(
        shared: GatewayContext, clientRequest: HTTPRequestHead, peer: IPAddress?, peerTrusted: Bool,
        loop: any EventLoop, first: Int, tried: Int
    ) -> EventLoopFuture<GatewayUpstreamHandshake> {
        let server = shared.upstreams[(first + tried) % shared.upstreams.count]
        return handshake(shared: shared, server: server, clientRequest: clientRequest, peer: peer,
                         peerTrusted: peerTrusted, loop: loop)
            .flatMapError { error in
                if tried + 1 < shared.upstreams.count {
                    return attempt(shared: shared, clientRequest: clientRequest, peer: peer, peerTrusted: peerTrusted,
                                   loop: loop, first: first, tried: tried + 1)
                }
                return loop.makeFailedFuture(error)
            }
    }

    private static func handshake(
        shared: GatewayContext, server: UpstreamURL, clientRequest: HTTPRequestHead, peer: IPAddress?,
        peerTrusted: Bool, loop: any EventLoop
    ) -> EventLoopFuture<GatewayUpstreamHandshake> {
        let promise = loop.makePromise(of: GatewayUpstreamHandshake.self)
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(shared.connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.recvAllocator, value: GatewayRecvAllocator())
            .channelOption(.maxMessagesPerRead, value: 1)
            .channelInitializer { channel in
                let upgrader = GatewayClientUpgrader { channel, response in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        let catcher = try sync.handler(type: HandshakeFailureCatcher.self)
                        _ = sync.removeHandler(catcher)
                        let relay = GatewayUpstreamRelay()
                        try sync.addHandler(relay)
                        promise.succeed(GatewayUpstreamHandshake(channel: channel, relay: relay, response: response))
                    }
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        leftOverBytesStrategy: .forwardBytes,
                        withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
                    )
                    try channel.pipeline.syncOperations.addHandler(HandshakeFailureCatcher(promise: promise))
                }
            }
        let timeout = loop.scheduleTask(in: shared.connectTimeout + shared.handshakeTimeout) {
            promise.fail(GatewayUpstreamError.timedOut)
        }
        let head = upstreamRequest(clientRequest, server: server, peer: peer, peerTrusted: peerTrusted,
                                   proto: shared.preamble.httpScheme)
        // An address literal needs no resolver round trip (NIO's would go through a dispatch queue).
        let connected = (try? SocketAddress(ipAddress: server.host, port: server.port))
            .map { bootstrap.connect(to: $0) } ?? bootstrap.connect(host: server.host, port: server.port)
        connected.whenComplete { result in
            switch result {
            case .success(let channel):
                channel.write(HTTPClientRequestPart.head(head), promise: nil)
                channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                promise.futureResult.whenFailure { _ in channel.close(promise: nil) }
            case .failure(let error):
                if case ChannelError.connectTimeout = error {
                    promise.fail(GatewayUpstreamError.timedOut)
                } else {
                    promise.fail(GatewayUpstreamError.refused(nil))
                }
            }
        }
        promise.futureResult.whenComplete { _ in timeout.cancel() }
        return promise.futureResult
    }

    /// The client's WebSocket handshake fields, never relayed: the upgrader sets its own key, and extensions
    /// are not negotiated through the relay.
    private static let handshakeFields = [
        "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-accept",
    ]

    /// The client's upgrade request as sent upstream: `ForwardedHeaders.upstreamFields` without the handshake
    /// fields (`proto`: `https` when the client came over TLS; the client's `X-Request-ID` kept as sent).
    static func upstreamRequest(
        _ request: HTTPRequestHead, server: UpstreamURL, peer: IPAddress?, peerTrusted: Bool, proto: String = "http"
    ) -> HTTPRequestHead {
        var headers = ForwardedHeaders.upstreamFields(
            request.headers, peer: peer?.description ?? "unknown", peerTrusted: peerTrusted, proto: proto,
            requestID: nil
        ) { name in handshakeFields.contains { HopByHopHeaders.equalsIgnoringCase(name, $0) } }
        if !headers.contains(name: "host") { headers.add(name: "Host", value: server.hostPort.description) }
        let uri = server.path == "/" ? request.uri : server.path
        return HTTPRequestHead(version: .http1_1, method: .GET, uri: uri, headers: headers)
    }
}

/// Fails the handshake promise when the upstream answers anything but 101, errs, or closes first.
/// Removed once the upgrade succeeds.
final class HandshakeFailureCatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    private let promise: EventLoopPromise<GatewayUpstreamHandshake>

    init(promise: EventLoopPromise<GatewayUpstreamHandshake>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let head) = unwrapInboundIn(data) {
            promise.fail(GatewayUpstreamError.refused(head.status))
        }
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(GatewayUpstreamError.refused(nil))
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(GatewayUpstreamError.refused(nil))
        context.fireChannelInactive()
    }
}
