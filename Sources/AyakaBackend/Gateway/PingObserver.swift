import NIOCore
import NIOWebSocket

/// Sees every inbound WebSocket frame and reports the client's pings, passing all frames on unchanged.
///
/// hummingbird-websocket (WSCore 1.6) answers pings inside its `WebSocketHandler` and hands the application only
/// text, binary and continuation frames, with no callback for control frames. So the gateway inserts this
/// handler into the channel pipeline right after NIO's `WebSocketFrameDecoder`, where every frame passes.
final class PingObserver: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame

    private let onPing: @Sendable () -> Void

    init(onPing: @escaping @Sendable () -> Void) {
        self.onPing = onPing
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if self.unwrapInboundIn(data).opcode == .ping {
            onPing()
        }
        context.fireChannelRead(data)
    }

    /// Installs an observer after the frame decoder of an upgraded WebSocket channel.
    static func install(on channel: any NIOCore.Channel, onPing: @escaping @Sendable () -> Void) async throws {
        try await channel.eventLoop.submit {
            let operations = channel.pipeline.syncOperations
            let decoder = try operations.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self)
            try operations.addHandler(PingObserver(onPing: onPing), position: .after(decoder))
        }.get()
    }
}
