import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A WebSocket upstream gateway for relay tests: echoes text and binary frames (fragment by fragment),
/// answers pings with pongs, answers a close with a close, and records what it saw. With `greeting`, it
/// speaks first: its 101 and those text frames go out in one write (`GreetingUpgrader`).
final class TestWebSocketUpstream: Sendable {
    struct Log: Sendable {
        var upgradeHeads: [HTTPRequestHead] = []
        var pings = 0
        var frames: [WebSocketOpcode] = []
        var closeCodes: [UInt16] = []
    }

    let channel: any Channel
    private let log: NIOLockedValueBox<Log>
    private let children: NIOLockedValueBox<[any Channel]>

    var port: Int { channel.localAddress!.port! }
    var snapshot: Log { log.withLockedValue { $0 } }

    private init(channel: any Channel, log: NIOLockedValueBox<Log>, children: NIOLockedValueBox<[any Channel]>) {
        self.channel = channel
        self.log = log
        self.children = children
    }

    static func start(greeting: [String] = []) async throws -> TestWebSocketUpstream {
        let log = NIOLockedValueBox(Log())
        let children = NIOLockedValueBox<[any Channel]>([])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                children.withLockedValue { $0.append(channel) }
                let upgrader = NIOWebSocketServerUpgrader(
                    maxFrameSize: 1 << 24,
                    shouldUpgrade: { channel, head in
                        log.withLockedValue { $0.upgradeHeads.append(head) }
                        return channel.eventLoop.makeSucceededFuture(HTTPHeaders())
                    },
                    upgradePipelineHandler: { channel, _ in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(EchoFrameHandler(log: log))
                        }
                    }
                )
                return channel.eventLoop.makeCompletedFuture {
                    if !greeting.isEmpty {
                        let decoder = ByteToMessageHandler(HTTPRequestDecoder())
                        try channel.pipeline.syncOperations.addHandlers(
                            decoder, GreetingUpgrader(greeting: greeting, decoder: decoder, log: log))
                        return
                    }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestWebSocketUpstream(channel: channel, log: log, children: children)
    }

    /// Kills every connection without a close frame (an upstream crash).
    func killConnections() {
        for child in children.withLockedValue({ $0 }) { child.close(promise: nil) }
    }

    func stop() async {
        killConnections()
        try? await channel.close()
    }
}

private final class EchoFrameHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame
    let log: NIOLockedValueBox<TestWebSocketUpstream.Log>

    init(log: NIOLockedValueBox<TestWebSocketUpstream.Log>) {
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        log.withLockedValue { $0.frames.append(frame.opcode) }
        switch frame.opcode {
        case .ping:
            log.withLockedValue { $0.pings += 1 }
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            var data = frame.unmaskedData
            let code = data.readInteger(as: UInt16.self) ?? 1005
            log.withLockedValue { $0.closeCodes.append(code) }
            let reply = WebSocketFrame(fin: true, opcode: .connectionClose, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(reply)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .text, .binary, .continuation:
            let echo = WebSocketFrame(fin: frame.fin, opcode: frame.opcode, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(echo), promise: nil)
        default:
            break
        }
    }
}

/// Answers the upgrade itself, so that the 101 and the greeting frames leave in one write: the proxy reads
/// the frames together with the 101, before its client side exists. Then echoes like `EchoFrameHandler`.
private final class GreetingUpgrader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = ByteBuffer
    let greeting: [String]
    let decoder: ByteToMessageHandler<HTTPRequestDecoder>
    let log: NIOLockedValueBox<TestWebSocketUpstream.Log>
    private var head: HTTPRequestHead?

    init(greeting: [String], decoder: ByteToMessageHandler<HTTPRequestDecoder>,
         log: NIOLockedValueBox<TestWebSocketUpstream.Log>) {
        self.greeting = greeting
        self.decoder = decoder
        self.log = log
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Answered at the request's end, so that nothing more comes out of the HTTP decoder.
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head; return
        case .body: return
        case .end: break
        }
        guard let head else { return }
        log.withLockedValue { $0.upgradeHeads.append(head) }
        let handshake = NIOWebSocketServerUpgrader(
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { channel, _ in channel.eventLoop.makeSucceededVoidFuture() })
        handshake.buildUpgradeResponse(channel: context.channel, upgradeRequest: head, initialResponseHeaders: [:])
            .assumeIsolated().whenSuccess { headers in
                var bytes = ByteBuffer(string: "HTTP/1.1 101 Switching Protocols\r\n")
                for (name, value) in headers { bytes.writeString("\(name): \(value)\r\n") }
                bytes.writeString("\r\n")
                for text in self.greeting {
                    precondition(text.utf8.count < 126)
                    bytes.writeBytes([0x81, UInt8(text.utf8.count)])  // FIN, text, unmasked
                    bytes.writeString(text)
                }
                context.writeAndFlush(self.wrapOutboundOut(bytes), promise: nil)
                // From here the connection speaks WebSocket.
                let sync = context.pipeline.syncOperations
                _ = sync.removeHandler(self.decoder)
                _ = sync.removeHandler(context: context)
                try? sync.addHandlers(ByteToMessageHandler(WebSocketFrameDecoder()), WebSocketFrameEncoder(),
                                      EchoFrameHandler(log: self.log))
            }
    }
}
