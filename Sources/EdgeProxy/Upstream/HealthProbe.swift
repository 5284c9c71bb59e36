import EdgeCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// One active health check: `GET <path>` on a fresh connection; healthy when any answer below 500 arrives
/// within the timeout.
enum HealthProbe {
    static func check(_ server: UpstreamURL, path: String, timeout: TimeAmount, on loop: any EventLoop) async -> Bool {
        let promise = loop.makePromise(of: Bool.self)
        let timer = loop.scheduleTask(in: timeout) { promise.succeed(false) }
        let bootstrap = ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(ProbeResponseHandler(promise: promise))
                }
            }
        bootstrap.connect(host: server.host, port: server.port).whenComplete { result in
            switch result {
            case .success(let channel):
                var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: path)
                head.headers.add(name: "Host", value: server.hostPort.description)
                head.headers.add(name: "User-Agent", value: "ayaka-edge-health-check")
                head.headers.add(name: "Connection", value: "close")
                channel.write(HTTPClientRequestPart.head(head), promise: nil)
                channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
                promise.futureResult.whenComplete { _ in channel.close(promise: nil) }
            case .failure:
                promise.succeed(false)
            }
        }
        let healthy = (try? await promise.futureResult.get()) ?? false
        timer.cancel()
        return healthy
    }

    private final class ProbeResponseHandler: ChannelInboundHandler {
        typealias InboundIn = HTTPClientResponsePart
        let promise: EventLoopPromise<Bool>

        init(promise: EventLoopPromise<Bool>) {
            self.promise = promise
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .head(let head) = unwrapInboundIn(data) { promise.succeed(head.status.code < 500) }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.succeed(false)
            context.close(promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            promise.succeed(false)
            context.fireChannelInactive()
        }
    }
}
