import EdgeCore
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// The gateway listener: `GET /available`, and WebSocket upgrades relayed to the upstream gateway.
///
/// An upgrade is accepted only after the upstream handshake succeeded, so a client never gets 101 for a
/// session that has nowhere to go; a refused upgrade falls through to `GatewayHTTPHandler`, which answers
/// with the reason (429 with rate-limit headers, 502 or 504).
final class GatewayListener: Sendable {
    let address: HostPort
    private let group: any EventLoopGroup
    private let contexts: ContextSwitch<GatewayContext>
    private let headerLimit: Int

    init(address: HostPort, group: any EventLoopGroup, contexts: ContextSwitch<GatewayContext>, headerLimit: Int) {
        self.address = address
        self.group = group
        self.contexts = contexts
        self.headerLimit = headerLimit
    }

    func bind() async throws -> any Channel {
        let contexts = self.contexts
        var limits = NIOHTTPDecoderLimitConfiguration()
        limits.maxHeaderListSize = headerLimit
        limits.maxHeaderFieldSize = headerLimit
        let decoderLimits = limits
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.recvAllocator, value: GatewayRecvAllocator())
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelInitializer { channel in
                // The context in force when the connection arrived serves its whole upgrade.
                let shared = contexts.current
                if let gauges = shared.telemetry?.counters.value(for: channel.eventLoop) {
                    // stub_status counts gateway connections too (a relayed session is "Writing"); "Active" is
                    // kept by the handlers, not a close callback per connection (GatewayHTTPHandler).
                    gauges.accepted.add(1, ordering: .relaxed)
                    gauges.handled.add(1, ordering: .relaxed)
                }
                return channel.eventLoop.makeCompletedFuture {
                    let http = GatewayHTTPHandler(shared: shared)
                    try channel.pipeline.syncOperations.addHandler(http)
                    // The HTTP codec follows the PROXY header and TLS handlers, once the client is known.
                    try shared.preamble.configure(channel: channel) { origin in
                        http.client = origin.client
                        try Self.installHTTP(on: channel, before: http, shared: shared, decoderLimits: decoderLimits)
                    }
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
    }

    /// NIO's HTTP/1.1 codec with the WebSocket upgrader, in front of the connection's `GatewayHTTPHandler`.
    private static func installHTTP(
        on channel: any Channel, before http: GatewayHTTPHandler, shared: GatewayContext,
        decoderLimits: NIOHTTPDecoderLimitConfiguration
    ) throws {
        let upgrader = GatewayServerUpgrader(
            shouldUpgrade: { channel, head in GatewayUpgrade.shouldUpgrade(channel: channel, head: head, shared: shared) },
            onUpgrade: { channel in GatewayUpgrade.completeUpgrade(channel: channel, shared: shared) }
        )
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            position: .before(http),
            withPipeliningAssistance: false,
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }),
            withErrorHandling: false,
            withOutboundHeaderValidation: true,
            withEncoderConfiguration: .init(),
            withDecoderLimitConfiguration: decoderLimits
        )
    }
}

/// The two halves of accepting a gateway upgrade, called by NIO's WebSocket upgrader on the channel's loop.
enum GatewayUpgrade {
    /// Admits the client (per-IP cap) and completes the upstream handshake; nil refuses the upgrade.
    static func shouldUpgrade(channel: any Channel, head: HTTPRequestHead, shared: GatewayContext)
        -> EventLoopFuture<HTTPHeaders?>
    {
        let loop = channel.eventLoop
        shared.telemetry?.counters.value(for: loop).requests.add(1, ordering: .relaxed)
        let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard path == "/", let handler = try? channel.pipeline.syncOperations.handler(type: GatewayHTTPHandler.self)
        else { return loop.makeSucceededFuture(nil) }
        let peer = handler.client
        let peerTrusted = peer.map(shared.resolver.isTrusted) ?? false
        let client = peer.map { shared.resolver.resolve(peer: $0, forwardedFor: head.headers[canonicalForm: "x-forwarded-for"]) }
            ?? .v4(0)
        guard shared.connections.acquire(client) == nil else {
            shared.telemetry?.shards.value(for: loop).gatewayRejected()
            handler.refusal = ConnectionCapResponse.make(client: client, limit: shared.connections.maxPerIP,
                                                          now: shared.clock())
            return loop.makeSucceededFuture(nil)
        }
        handler.slotHolder = client
        let boundHandler = NIOLoopBound(handler, eventLoop: loop)
        return GatewayUpstreamConnector.connect(
            shared: shared, clientRequest: head, peer: peer, peerTrusted: peerTrusted, on: loop
        ).map { handshake -> HTTPHeaders? in
            boundHandler.value.pendingUpstream = handshake
            var headers = HTTPHeaders()
            if let chosen = handshake.response.headers.first(name: "sec-websocket-protocol") {
                headers.add(name: "Sec-WebSocket-Protocol", value: chosen)
            }
            return headers
        }.flatMapError { error -> EventLoopFuture<HTTPHeaders?> in
            let handler = boundHandler.value
            handler.releaseSlot()
            if case GatewayUpstreamError.timedOut = error {
                handler.refusal = .gatewayTimeout
            } else if case GatewayUpstreamError.noServers = error {
                handler.refusal = .noUpstream
            } else {
                handler.refusal = .badGateway
            }
            return loop.makeSucceededFuture(nil)
        }
    }

    /// After 101: swaps the HTTP handler for the frame relay, linked to the upstream side. NIO's upgrade
    /// handler has removed the HTTP codec by then, so the relay is the pipeline's only handler.
    static func completeUpgrade(channel: any Channel, shared: GatewayContext) -> EventLoopFuture<Void> {
        channel.eventLoop.makeCompletedFuture {
            let sync = channel.pipeline.syncOperations
            let handler = try sync.handler(type: GatewayHTTPHandler.self)
            guard let handshake = handler.pendingUpstream, let client = handler.slotHolder else {
                throw GatewayUpstreamError.refused(nil)
            }
            handler.pendingUpstream = nil
            handler.slotHolder = nil  // now owned by the relay, released when it closes
            handler.handedOver = true  // the relay keeps the "Active" count from here
            _ = sync.removeHandler(handler)
            let relay = GatewayClientRelay(shared: shared, client: client, upstream: handshake.relay,
                                           loop: channel.eventLoop)
            do {
                try sync.addHandler(relay)
            } catch {
                shared.connections.release(client)
                handshake.channel.close(promise: nil)
                shared.telemetry?.counters.value(for: channel.eventLoop).active.subtract(1, ordering: .relaxed)
                throw error
            }
        }
    }
}

/// 429 for an upgrade over `gateway.max_connections_per_ip`, with the rate-limit headers. The cap has no
/// window, so the bucket reads `LIMITER/<ip>/gateway.connections/<max>/1/second` and a retry is
/// suggested after a second (the cap frees as soon as one of the client's connections closes).
enum ConnectionCapResponse {
    static func make(client: IPAddress, limit: Int, now: Int64) -> LocalResponse {
        let bucket = "LIMITER/\(client)/gateway.connections/\(limit)/1/second"
        let reset = now / 1_000_000_000 + 1
        let body = "{\"message\": \"You are being rate limited.\", \"retry_after\": 1.0, \"global\": false, "
            + "\"bucket\": \"\(bucket)\"}"
        return LocalResponse(status: .tooManyRequests, headers: [
            ("Retry-After", "1"),
            ("X-RateLimit-Bucket", bucket),
            ("X-RateLimit-Limit", String(limit)),
            ("X-RateLimit-Remaining", "0"),
            ("X-RateLimit-Reset", String(reset)),
            ("X-RateLimit-Retry-After", "1"),
            ("X-RateLimit-Reset-After", "1"),
        ], body: body)
    }
}
