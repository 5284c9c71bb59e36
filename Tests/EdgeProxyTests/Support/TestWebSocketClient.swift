import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// A raw WebSocket client for relay tests: sends any frame (pings, fragments, closes) and reads every
/// frame back, so close codes and pongs can be checked exactly.
final class TestWebSocketClient: Sendable {
    enum Event: Sendable {
        case frame(WebSocketFrame)
        case closed
    }

    /// The server answered the upgrade with something other than 101.
    struct Refused: Error {
        var status: HTTPResponseStatus
        var headers: HTTPHeaders
        var body: String
    }

    let channel: any Channel
    private let queue: NIOLockedValueBox<[Event]>

    private init(channel: any Channel, queue: NIOLockedValueBox<[Event]>) {
        self.channel = channel
        self.queue = queue
    }

    /// - Parameters:
    ///   - proxyHeader: sent in clear first, as a load balancer does.
    ///   - tls: speak TLS (no certificate verification: the test certificates are self-signed).
    static func connect(
        port: Int, path: String = "/", headers: [(String, String)] = [], proxyHeader: [UInt8]? = nil,
        tls: Bool = false
    ) async throws -> TestWebSocketClient {
        let queue = NIOLockedValueBox<[Event]>([])
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let upgraded = loop.makePromise(of: Void.self)
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: 1 << 24, automaticErrorHandling: false) { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        _ = sync.removeHandler(try sync.handler(type: RefusalCollector.self))
                        try sync.addHandler(FrameCollector(queue: queue))
                        upgraded.succeed()
                    }
                }
                return channel.eventLoop.makeCompletedFuture {
                    if let proxyHeader { try channel.pipeline.syncOperations.addHandler(PrefaceWriter(bytes: proxyHeader)) }
                    if tls { try channel.pipeline.syncOperations.addHandler(try TestTLS.clientHandler()) }
                    // Frames that arrive with the 101 must reach the frame decoder, not be dropped with the HTTP one.
                    try channel.pipeline.syncOperations.addHTTPClientHandlers(
                        leftOverBytesStrategy: .forwardBytes,
                        withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in })
                    )
                    try channel.pipeline.syncOperations.addHandler(RefusalCollector(promise: upgraded))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
        head.headers.add(name: "Host", value: "127.0.0.1:\(port)")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil))
        try await upgraded.futureResult.get()
        return TestWebSocketClient(channel: channel, queue: queue)
    }

    func send(_ opcode: WebSocketOpcode, _ text: String = "", fin: Bool = true) async throws {
        let frame = WebSocketFrame(fin: fin, opcode: opcode, maskKey: .random(), data: ByteBuffer(string: text))
        try await channel.writeAndFlush(frame)
    }

    func close(code: UInt16) async throws {
        var data = ByteBuffer()
        data.writeInteger(code)
        try await channel.writeAndFlush(WebSocketFrame(fin: true, opcode: .connectionClose, maskKey: .random(), data: data))
    }

    /// The next event, or nil after `timeout`.
    func next(timeout: Duration = .seconds(5)) async -> Event? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let event = queue.withLockedValue { $0.isEmpty ? nil : $0.removeFirst() }
            if let event { return event }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return nil
    }

    /// Reads until a frame with this opcode (skipping others); nil if the connection ends first.
    func nextFrame(_ opcode: WebSocketOpcode, timeout: Duration = .seconds(5)) async -> WebSocketFrame? {
        while let event = await next(timeout: timeout) {
            switch event {
            case .frame(let frame) where frame.opcode == opcode: return frame
            case .frame: continue
            case .closed: return nil
            }
        }
        return nil
    }

    /// The close code the server sent, reading past other frames.
    func closeCode(timeout: Duration = .seconds(5)) async -> UInt16? {
        guard var data = await nextFrame(.connectionClose, timeout: timeout)?.unmaskedData else { return nil }
        return data.readInteger(as: UInt16.self)
    }

    func disconnect() async {
        try? await channel.close()
    }
}

private final class FrameCollector: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    let queue: NIOLockedValueBox<[TestWebSocketClient.Event]>

    init(queue: NIOLockedValueBox<[TestWebSocketClient.Event]>) {
        self.queue = queue
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        queue.withLockedValue { $0.append(.frame(frame)) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        queue.withLockedValue { $0.append(.closed) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

/// Collects a non-101 answer to the upgrade and fails the connect with it.
private final class RefusalCollector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPClientResponsePart
    let promise: EventLoopPromise<Void>
    private var head: HTTPResponseHead?
    private var body = ""

    init(promise: EventLoopPromise<Void>) {
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body(let buffer): body += String(buffer: buffer)
        case .end:
            if let head {
                promise.fail(TestWebSocketClient.Refused(status: head.status, headers: head.headers, body: body))
            }
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
        context.close(promise: nil)
    }
}
