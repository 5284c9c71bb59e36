import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// An upstream that answers every request head with bytes written verbatim (for response framings that no
/// HTTP server library will produce: chunked with extensions, 1xx, lengths that disagree, a body up to the close).
/// Each request head (up to its blank line) gets the next of `replies`, the last one repeating; `closeAfter`
/// closes the connection once a reply is written.
final class ScriptedUpstream: Sendable {
    let channel: any Channel
    private let heads: NIOLockedValueBox<[String]>

    var port: Int { channel.localAddress!.port! }
    /// The request heads received, as text.
    var requests: [String] { heads.withLockedValue { $0 } }

    private init(channel: any Channel, heads: NIOLockedValueBox<[String]>) {
        self.channel = channel
        self.heads = heads
    }

    static func start(replies: [String], closeAfter: Bool = false) async throws -> ScriptedUpstream {
        let heads = NIOLockedValueBox<[String]>([])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        ScriptedReplies(replies: replies, closeAfter: closeAfter, heads: heads))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return ScriptedUpstream(channel: channel, heads: heads)
    }

    func stop() async { try? await channel.close() }
}

private final class ScriptedReplies: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let replies: [String]
    private let closeAfter: Bool
    private let heads: NIOLockedValueBox<[String]>
    private var received = ""

    init(replies: [String], closeAfter: Bool, heads: NIOLockedValueBox<[String]>) {
        self.replies = replies
        self.closeAfter = closeAfter
        self.heads = heads
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += String(buffer: unwrapInboundIn(data))
        while let end = received.range(of: "\r\n\r\n") {
            let head = String(received[..<end.lowerBound])
            received = String(received[end.upperBound...])
            let index = heads.withLockedValue { heads -> Int in
                heads.append(head)
                return heads.count - 1
            }
            let reply = replies[min(index, replies.count - 1)]
            let written = context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: reply)))
            if closeAfter { written.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
        }
    }
}
