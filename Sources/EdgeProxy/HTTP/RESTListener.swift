import EdgeCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The REST listener: accepts client connections and gives each an HTTP/1.1 pipeline ending in a
/// `ClientProxyHandler`.
final class RESTListener: Sendable {
    let address: HostPort
    private let group: any EventLoopGroup
    private let shared: ProxyConnectionContext
    private let logger: Logger

    init(address: HostPort, group: any EventLoopGroup, shared: ProxyConnectionContext, logger: Logger) {
        self.address = address
        self.group = group
        self.shared = shared
        self.logger = logger
    }

    /// Binds and returns the listening channel (its `localAddress` has the real port when 0 was asked).
    func bind() async throws -> any Channel {
        let shared = self.shared
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
                    let sync = channel.pipeline.syncOperations
                    if let peer = channel.remoteAddress?.ipAddress {
                        if let refusal = shared.connections.acquire(peer) {
                            try sync.addHandler(ConnectionRefusalHandler(refusal))
                            return
                        }
                        channel.closeFuture.whenComplete { _ in shared.connections.release(peer) }
                    }
                    let headerTimeout = HeaderTimeoutHandler(timeout: shared.headerTimeout)
                    try sync.addHandler(headerTimeout)
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withPipeliningAssistance: true,
                        withServerUpgrade: nil,
                        withErrorHandling: false,
                        withOutboundHeaderValidation: true,
                        withEncoderConfiguration: .init(),
                        withDecoderLimitConfiguration: decoderLimits
                    )
                    try sync.addHandler(ClientProxyHandler(shared: shared, headerTimeout: headerTimeout))
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
    }
}
