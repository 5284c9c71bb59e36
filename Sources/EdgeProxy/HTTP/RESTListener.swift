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
        let shared = contexts.current
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = shared.limits.maxHeaderSize
        limits.maxHeaderFieldSize = shared.limits.maxHeaderSize
        limits.maxHeaderFieldCount = 256
        let decoderLimits = limits
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let box = contexts.box(for: channel.eventLoop)
                    let shared = box.current
                    let sync = channel.pipeline.syncOperations
                    let gauges = shared.telemetry?.gauges
                    gauges?.accepted.add(1, ordering: .relaxed)
                    if let peer = channel.remoteAddress?.ipAddress {
                        if let refusal = shared.connections.acquire(peer) {
                            try sync.addHandler(ConnectionRefusalHandler(refusal))
                            return
                        }
                        channel.closeFuture.whenComplete { _ in shared.connections.release(peer) }
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
                    let headerTimeout = HeaderTimeoutHandler(timeout: shared.headerTimeout, phase: phase)
                    try sync.addHandler(headerTimeout)
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: true,
                        withServerUpgrade: nil,
                        withErrorHandling: false,
                        // Relayed headers were validated by the parser on the way in, and the proxy's own are
                        // sanitized (rate-limit rule names): validating them again costs every response.
                        withOutboundHeaderValidation: false,
                        withEncoderConfiguration: .init(),
                        withDecoderLimitConfiguration: decoderLimits
                    )
                    try sync.addHandler(ClientProxyHandler(contexts: box, headerTimeout: headerTimeout, phase: phase))
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
    }
}
