import EdgeCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// The REST listener: accepts client connections and gives each an HTTP/1.1 pipeline ending in a
/// `ClientProxyHandler`.
final class RESTListener: Sendable {
    let address: HostPort
    private let group: any EventLoopGroup
    private let contexts: ContextSwitch<ProxyConnectionContext>

    init(address: HostPort, group: any EventLoopGroup, contexts: ContextSwitch<ProxyConnectionContext>) {
        self.address = address
        self.group = group
        self.contexts = contexts
    }

    /// Binds and returns the listening channel (its `localAddress` has the real port when 0 was asked).
    func bind() async throws -> any Channel {
        let contexts = self.contexts
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let box = contexts.box(for: channel.eventLoop)
                    let shared = box.current
                    shared.telemetry?.counters.value(for: channel.eventLoop).accepted.add(1, ordering: .relaxed)
                    // The HTTP pipeline follows the PROXY header and TLS handlers, once the client is known.
                    try shared.preamble.configure(channel: channel) { origin in
                        try Self.installHTTP(on: channel, client: origin.client, box: box, shared: shared)
                    }
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
    }

    /// The connection cap, the gauges, the header timeout and a `ClientProxyHandler`
    /// for the client at `client` (the PROXY header's source, else the socket peer).
    private static func installHTTP(
        on channel: any Channel, client: IPAddress?, box: ContextSwitch<ProxyConnectionContext>.Box,
        shared: ProxyConnectionContext
    ) throws {
        let sync = channel.pipeline.syncOperations
        let gauges = shared.telemetry?.counters.value(for: channel.eventLoop)
        if let client {
            if let refusal = shared.connections.acquire(client) {
                try sync.addHandler(ConnectionRefusalHandler(refusal))
                return
            }
            channel.closeFuture.whenComplete { _ in shared.connections.release(client) }
        }
        shared.channels.track(channel)
        let phase = gauges.map(ConnectionPhase.init)
        if let gauges {
            gauges.handled.add(1, ordering: .relaxed)
            gauges.active.add(1, ordering: .relaxed)
            phase?.enter(.waiting)
            let bound = NIOLoopBound(phase, eventLoop: channel.eventLoop)
            channel.closeFuture.whenComplete { _ in
                gauges.active.subtract(1, ordering: .relaxed)
                bound.value?.enter(.none)
            }
        }
        try addHTTPHandlers(to: channel, contexts: box, phase: phase, client: client, scheme: shared.preamble.httpScheme)
    }

    /// The HTTP/1.1 handler of a client connection: the proxy handler reads requests and writes responses as
    /// bytes itself (it knows which request each response answers, and serialises pipelined requests: NIO's
    /// pipelining assistance would stop and restart reading around every response, two epoll_ctl calls a
    /// request), and times the heads itself.
    static func addHTTPHandlers(
        to channel: any Channel, contexts box: ContextSwitch<ProxyConnectionContext>.Box, phase: ConnectionPhase?,
        client: IPAddress?, scheme: String
    ) throws {
        try channel.pipeline.syncOperations.addHandler(
            ClientProxyHandler(contexts: box, phase: phase, client: client, scheme: scheme))
    }
}
