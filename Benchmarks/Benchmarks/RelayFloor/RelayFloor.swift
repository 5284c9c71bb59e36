// NIO's floor for one proxied request: a TCP relay with nothing but SwiftNIO's channels. Each client connection gets
// its own upstream connection on its event loop, and the bytes are copied both ways as they arrive, without parsing
// HTTP, limiting, or recording anything (HAProxy's `mode tcp`, on NIO).
//
//   swift run -c release RelayFloor LISTEN_PORT UPSTREAM_PORT      # from Benchmarks/; loopback only
//
// Put wrk in front of it and of ayaka-edge, against the same upstream, alternating (`harness/floor.sh` does): the
// CPU per request it takes is what NIO's two channels cost a keep-alive exchange, the least ayaka-edge can take.
import NIOCore
import NIOPosix

/// One side of a relayed pair: what it reads is written to the other side, flushed once the read is done.
final class RelaySide: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    var context: ChannelHandlerContext?
    var partner: RelaySide?
    private var unflushed = false

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let partner, let other = partner.context else { return }
        other.write(data, promise: nil)
        unflushed = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if unflushed, let other = partner?.context {
            unflushed = false
            other.flush()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner?.context?.close(promise: nil)
        partner = nil
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let listenPort = Int(arguments[1]), let upstreamPort = Int(arguments[2]) else {
    print("usage: RelayFloor LISTEN_PORT UPSTREAM_PORT")
    exit(2)
}
let group = MultiThreadedEventLoopGroup.singleton
let server = try await ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 4096)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelOption(.autoRead, value: false)
    .childChannelInitializer { client in
        let clientSide = RelaySide()
        let upstreamSide = RelaySide()
        clientSide.partner = upstreamSide
        upstreamSide.partner = clientSide
        do {
            try client.pipeline.syncOperations.addHandler(clientSide)
        } catch {
            return client.eventLoop.makeFailedFuture(error)
        }
        ClientBootstrap(group: client.eventLoop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { upstream in
                upstream.eventLoop.makeCompletedFuture { try upstream.pipeline.syncOperations.addHandler(upstreamSide) }
            }
            .connect(host: "127.0.0.1", port: upstreamPort)
            .whenComplete { result in
                switch result {
                case .success:
                    client.setOption(.autoRead, value: true).whenSuccess { client.read() }
                case .failure:
                    client.close(promise: nil)
                }
            }
        return client.eventLoop.makeSucceededVoidFuture()
    }
    .bind(host: "127.0.0.1", port: listenPort)
    .get()
print("RelayFloor on 127.0.0.1:\(listenPort) -> 127.0.0.1:\(upstreamPort)")
try await server.closeFuture.get()
