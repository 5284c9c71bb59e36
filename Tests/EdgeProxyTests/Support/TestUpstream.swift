import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A scriptable HTTP/1.1 upstream on a loopback port, recording every request head it receives.
final class TestUpstream: Sendable {
    enum Behavior: Sendable {
        /// 200 with a JSON body echoing method, uri and the request body's size.
        case echo
        /// Never answers.
        case silent
        /// Sends a head promising `length` bytes, sends `sent`, then closes.
        case closeMidBody(length: Int, sent: Int)
        /// Streams `total` bytes in 64 KiB chunks.
        case large(total: Int)
        /// Answers with this status and body.
        case fixed(status: HTTPResponseStatus, body: String)
        /// Echoes after a delay (a slow upstream).
        case delayed(TimeAmount)
    }

    struct Received: Sendable {
        var head: HTTPRequestHead
        var bodyBytes: Int
    }

    let channel: any Channel
    private let received: NIOLockedValueBox<[Received]>
    private let connections: NIOLockedValueBox<Int>

    var port: Int { channel.localAddress!.port! }
    var requests: [Received] { received.withLockedValue { $0 } }
    var requestCount: Int { received.withLockedValue { $0.count } }
    /// TCP connections accepted so far (keep-alive reuse keeps this low).
    var connectionCount: Int { connections.withLockedValue { $0 } }

    private init(channel: any Channel, received: NIOLockedValueBox<[Received]>, connections: NIOLockedValueBox<Int>) {
        self.channel = channel
        self.received = received
        self.connections = connections
    }

    static func start(_ behavior: Behavior = .echo, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton)
        async throws -> TestUpstream
    {
        let received = NIOLockedValueBox<[Received]>([])
        let connections = NIOLockedValueBox(0)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                connections.withLockedValue { $0 += 1 }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        UpstreamBehaviorHandler(behavior: behavior, recorder: received)
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestUpstream(channel: channel, received: received, connections: connections)
    }

    func stop() async {
        try? await channel.close()
    }
}

/// Serves one upstream connection per the behavior.
final class UpstreamBehaviorHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let behavior: TestUpstream.Behavior
    let recorder: NIOLockedValueBox<[TestUpstream.Received]>
    private var head: HTTPRequestHead?
    private var bodyBytes = 0

    init(behavior: TestUpstream.Behavior, recorder: NIOLockedValueBox<[TestUpstream.Received]>) {
        self.behavior = behavior
        self.recorder = recorder
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            bodyBytes = 0
        case .body(let buffer):
            bodyBytes += buffer.readableBytes
        case .end:
            guard let head else { return }
            recorder.withLockedValue { $0.append(.init(head: head, bodyBytes: bodyBytes)) }
            respond(context: context, head: head)
        }
    }

    private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
        switch behavior {
        case .echo:
            let body = "{\"method\":\"\(head.method.rawValue)\",\"uri\":\"\(head.uri)\",\"body\":\(bodyBytes)}"
            write(context: context, status: .ok, body: body)
        case .fixed(let status, let body):
            write(context: context, status: status, body: body)
        case .silent:
            break
        case .delayed(let delay):
            let body = "{\"method\":\"\(head.method.rawValue)\",\"delayed\":true}"
            context.eventLoop.assumeIsolated().scheduleTask(in: delay) {
                self.write(context: context, status: .ok, body: body)
            }
        case .closeMidBody(let length, let sent):
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: String(length))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                          promise: nil)
            let chunk = context.channel.allocator.buffer(repeating: UInt8(ascii: "x"), count: sent)
            context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(chunk)))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .large(let total):
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: String(total))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))),
                          promise: nil)
            writeChunks(context: context, remaining: total)
        }
    }

    private func writeChunks(context: ChannelHandlerContext, remaining: Int) {
        var left = remaining
        while left > 0, context.channel.isWritable {
            let size = min(65536, left)
            left -= size
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(repeating: 0x61, count: size)))),
                          promise: nil)
        }
        if left == 0 {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            context.flush()
            context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(1)) {
                self.writeChunks(context: context, remaining: left)
            }
        }
    }

    private func write(context: ChannelHandlerContext, status: HTTPResponseStatus, body: String) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.utf8.count))
        headers.add(name: "Connection", value: "keep-alive, X-Upstream-Hop")
        headers.add(name: "X-Upstream-Hop", value: "must not reach the client")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))),
                      promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
