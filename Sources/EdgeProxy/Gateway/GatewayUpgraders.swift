import NIOCore
import NIOHTTP1
import NIOWebSocket

/// NIO's WebSocket server handshake (key and version checks, `Sec-WebSocket-Accept`) without NIO's frame
/// codec: after 101 the pipeline holds only the byte relay, which cuts frames with `GatewayFrameScanner`.
/// Bytes the client sent early are replayed by NIO's upgrade handler to the relay as `ByteBuffer`s.
struct GatewayServerUpgrader: HTTPServerProtocolUpgrader, Sendable {
    private let handshake: NIOWebSocketServerUpgrader
    private let onUpgrade: @Sendable (any Channel) -> EventLoopFuture<Void>

    init(shouldUpgrade: @escaping @Sendable (any Channel, HTTPRequestHead) -> EventLoopFuture<HTTPHeaders?>,
         onUpgrade: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>) {
        // Only its handshake is used; its codec-adding `upgrade` never runs.
        handshake = NIOWebSocketServerUpgrader(
            automaticErrorHandling: false, shouldUpgrade: shouldUpgrade,
            upgradePipelineHandler: { channel, _ in channel.eventLoop.makeSucceededVoidFuture() }
        )
        self.onUpgrade = onUpgrade
    }

    var supportedProtocol: String { handshake.supportedProtocol }
    var requiredUpgradeHeaders: [String] { handshake.requiredUpgradeHeaders }

    func buildUpgradeResponse(channel: any Channel, upgradeRequest: HTTPRequestHead,
                              initialResponseHeaders: HTTPHeaders) -> EventLoopFuture<HTTPHeaders> {
        handshake.buildUpgradeResponse(channel: channel, upgradeRequest: upgradeRequest,
                                       initialResponseHeaders: initialResponseHeaders)
    }

    func upgrade(context: ChannelHandlerContext, upgradeRequest: HTTPRequestHead) -> EventLoopFuture<Void> {
        onUpgrade(context.channel)
    }
}

/// NIO's WebSocket client handshake (request key, accept check) without NIO's frame codec; see
/// `GatewayServerUpgrader`. Bytes the upstream sent right after its 101 reach the relay as `ByteBuffer`s.
struct GatewayClientUpgrader: NIOHTTPClientProtocolUpgrader, Sendable {
    private let handshake = NIOWebSocketClientUpgrader(automaticErrorHandling: false) { channel, _ in
        channel.eventLoop.makeSucceededVoidFuture()  // never called: `upgrade` below replaces it
    }
    private let onUpgrade: @Sendable (any Channel, HTTPResponseHead) -> EventLoopFuture<Void>

    init(onUpgrade: @escaping @Sendable (any Channel, HTTPResponseHead) -> EventLoopFuture<Void>) {
        self.onUpgrade = onUpgrade
    }

    var supportedProtocol: String { handshake.supportedProtocol }
    var requiredUpgradeHeaders: [String] { handshake.requiredUpgradeHeaders }

    func addCustom(upgradeRequestHeaders: inout HTTPHeaders) {
        handshake.addCustom(upgradeRequestHeaders: &upgradeRequestHeaders)
    }

    func shouldAllowUpgrade(upgradeResponse: HTTPResponseHead) -> Bool {
        handshake.shouldAllowUpgrade(upgradeResponse: upgradeResponse)
    }

    func upgrade(context: ChannelHandlerContext, upgradeResponse: HTTPResponseHead) -> EventLoopFuture<Void> {
        onUpgrade(context.channel, upgradeResponse)
    }
}

/// Receive buffers for relayed gateway connections: sized like NIO's adaptive allocator, but a fresh one for
/// every read instead of one kept per channel.
///
/// NIO's pooled reads keep each channel's buffer (2 KiB at first, growing up to 64 KiB and never shrinking) for
/// the channel's life; for thousands of idle relayed sockets that was most of their memory. Returning no size
/// hint and "may grow" turns the pool's reuse off, and with `maxMessagesPerRead` 1 it keeps no extra buffers:
/// the only one it holds is the first, which `firstCapacity` keeps small (the handshake then takes one more read).
/// A read costs one allocation, freed as soon as the partner side has written the bytes.
struct GatewayRecvAllocator: RecvByteBufferAllocator {
    /// The first read's buffer, which the channel keeps for its whole life.
    static let firstCapacity = 16
    /// Later reads: from 2 KiB, doubling after a read that filled its buffer, halving after one that used a
    /// quarter, up to 64 KiB. One stored word, so NIO keeps the allocator inline rather than boxed.
    private var size = GatewayRecvAllocator.firstCapacity

    func buffer(allocator: ByteBufferAllocator) -> ByteBuffer {
        allocator.buffer(capacity: size)
    }

    func nextBufferSize() -> Int? { nil }

    mutating func record(actualReadBytes: Int) -> Bool {
        if size == Self.firstCapacity {
            size = 2048
        } else if actualReadBytes >= size {
            size = min(size * 2, 65536)
        } else if actualReadBytes <= size / 4 {
            size = max(size / 2, 2048)
        }
        return true
    }
}
