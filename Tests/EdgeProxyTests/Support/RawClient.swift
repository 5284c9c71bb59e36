import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Sends raw bytes to a port and collects everything that comes back until the server closes the
/// connection or `timeout` passes. For malformed-input tests that no HTTP client library will send.
enum RawClient {
    struct Reply: Sendable {
        var text: String
        /// Whether the server closed the connection (false: the timeout ended the wait).
        var closedByServer: Bool
        var statusCode: Int? {
            guard text.hasPrefix("HTTP/1."), text.utf8.count >= 12 else { return nil }
            return Int(text.dropFirst(9).prefix(3))
        }
    }

    static func exchange(
        port: Int, _ payload: [UInt8], timeout: TimeAmount = .seconds(5), from source: String? = nil
    ) async throws -> Reply {
        let collected = NIOLockedValueBox(ByteBuffer())
        let closed = NIOLockedValueBox(false)
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        if let source { bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0)) }
        let channel = try await bootstrap
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(collected: collected, closed: closed))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        // The server may answer and close before reading it all (a refused connection): keep what it said.
        try? await channel.writeAndFlush(channel.allocator.buffer(bytes: payload))
        let deadline = NIODeadline.now() + timeout
        while !closed.withLockedValue({ $0 }), NIODeadline.now() < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        let wasClosed = closed.withLockedValue { $0 }
        if !wasClosed { try? await channel.close() }
        let buffer = collected.withLockedValue { $0 }
        return Reply(text: String(buffer: buffer), closedByServer: wasClosed)
    }

    static func exchange(
        port: Int, _ text: String, timeout: TimeAmount = .seconds(5), from source: String? = nil
    ) async throws -> Reply {
        try await exchange(port: port, Array(text.utf8), timeout: timeout, from: source)
    }

    /// Opens a connection and keeps it (for connection-cap tests); returns the channel and what it receives.
    static func open(port: Int) async throws -> (any Channel, NIOLockedValueBox<ByteBuffer>) {
        let collected = NIOLockedValueBox(ByteBuffer())
        let closed = NIOLockedValueBox(false)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Collector(collected: collected, closed: closed))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        return (channel, collected)
    }

    /// Writes `parts` one by one with `gap` between them, then reads until close or `timeout`.
    static func trickle(port: Int, _ parts: [String], gap: Duration, timeout: TimeAmount = .seconds(5)) async throws
        -> Reply
    {
        let (channel, collected) = try await open(port: port)
        for part in parts where channel.isActive {
            try? await channel.writeAndFlush(channel.allocator.buffer(string: part))
            try await Task.sleep(for: gap)
        }
        let deadline = NIODeadline.now() + timeout
        while channel.isActive, NIODeadline.now() < deadline { try await Task.sleep(for: .milliseconds(10)) }
        let wasClosed = !channel.isActive
        if !wasClosed { try? await channel.close() }
        return Reply(text: String(buffer: collected.withLockedValue { $0 }), closedByServer: wasClosed)
    }

    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let collected: NIOLockedValueBox<ByteBuffer>
        let closed: NIOLockedValueBox<Bool>

        init(collected: NIOLockedValueBox<ByteBuffer>, closed: NIOLockedValueBox<Bool>) {
            self.collected = collected
            self.closed = closed
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            _ = collected.withLockedValue { $0.writeBuffer(&buffer) }
        }

        func channelInactive(context: ChannelHandlerContext) {
            closed.withLockedValue { $0 = true }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
