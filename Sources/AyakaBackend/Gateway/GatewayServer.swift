import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization

/// The port the gateway listener actually bound, for `GET /available`.
final class GatewayPortBox: Sendable {
    private let port = Mutex<Int?>(nil)

    func set(_ value: Int) {
        port.withLock { $0 = value }
    }

    var value: Int? {
        port.withLock { $0 }
    }
}

/// The gateway listener: `GET /available` and the WebSocket upgrade on `/`.
struct GatewayServer: Sendable {
    let backend: BackendContext
    let boundPort: GatewayPortBox

    func application(onBound: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let configuration = backend.configuration
        let backend = self.backend
        let boundPort = self.boundPort
        let allowance = configuration.pingInterval + configuration.pingTimeout
        return Application(
            router: router(),
            server: .http1WebSocketUpgrade(
                configuration: .init(ws: .init(autoPing: .disabled, closeTimeout: .seconds(5)))
            ) { request, channel, logger in
                guard request.path?.split(separator: "?").first == "/" else { return .dontUpgrade }
                return .upgrade([:]) { inbound, outbound, context in
                    let keepalive = KeepaliveTracker(allowance: allowance)
                    try await PingObserver.install(on: channel) { keepalive.pingReceived() }
                    let connection = GatewayConnection(backend: backend, keepalive: keepalive, logger: context.logger)
                    try await connection.run(inbound: inbound, outbound: outbound)
                }
            },
            configuration: .init(address: .hostname(configuration.gatewayHost, port: configuration.gatewayPort)),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.gatewayPort
                boundPort.set(port)
                await onBound(port)
            },
            logger: backend.logger
        )
    }

    private func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        var routes = RouteRegistrar(router: router)
        routes.on(.get, "/available") { _, _ in try JSONResponse.make(.ok, available()) }
        routes.on(.get, "/") { _, _ in
            throw APIError(.upgradeRequired, "Connect with a WebSocket upgrade, then send the identify payload")
        }
        routes.finish()
        return router
    }

    /// `{"name": "production-1", "url": ..., "port": ...}`: the configured public URL (and its port), else
    /// `ws://gatewayHost:<bound port>`.
    func available() -> AvailablePayload {
        let port = boundPort.value ?? backend.configuration.gatewayPort
        if let url = backend.configuration.publicGatewayURL {
            return AvailablePayload(name: "production-1", url: url, port: Self.port(of: url) ?? port)
        }
        let url = "ws://\(backend.configuration.gatewayHost):\(port)"
        return AvailablePayload(name: "production-1", url: url, port: port)
    }

    /// The port of a `ws://` or `wss://` URL: explicit, or 80 / 443 by scheme.
    static func port(of url: String) -> Int? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostPort = authority.split(separator: "@").last ?? authority
        if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") {
            return Int(hostPort[hostPort.index(after: colon)...])
        }
        switch scheme {
        case "ws", "http": return 80
        case "wss", "https": return 443
        default: return nil
        }
    }
}
