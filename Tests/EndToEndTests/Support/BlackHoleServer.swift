import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// Accepts connections and never answers: an upstream that hangs.
struct BlackHoleServer {
    let channel: any Channel
    private let accepted: NIOLockedValueBox<Int>

    var port: Int { channel.localAddress!.port! }
    var connections: Int { accepted.withLockedValue { $0 } }

    static func start() async throws -> BlackHoleServer {
        let accepted = NIOLockedValueBox(0)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                accepted.withLockedValue { $0 += 1 }
                return channel.eventLoop.makeSucceededVoidFuture()
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return BlackHoleServer(channel: channel, accepted: accepted)
    }

    func stop() async {
        try? await channel.close()
    }
}
