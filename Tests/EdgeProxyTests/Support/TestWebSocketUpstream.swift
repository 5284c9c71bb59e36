import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A WebSocket upstream gateway for relay tests: echoes text and binary frames (fragment by fragment),
/// answers pings with pongs, answers a close with a close, and records what it saw.
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

    static func start() async throws -> TestWebSocketUpstream {
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
