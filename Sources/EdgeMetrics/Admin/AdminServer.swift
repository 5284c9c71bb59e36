import EdgeCore
import Hummingbird
import HummingbirdTLS
import Logging
import NIOSSL
import ServiceLifecycle

/// The admin listener (`listen.admin`, 127.0.0.1:9090 by default): `GET /status`, `GET /metrics`,
/// `GET /dashboard`. A `Service`: run it in the proxy's `ServiceGroup`; it stops on graceful shutdown.
/// With a `TLSConfiguration` (`listen.tls.admin`) it speaks HTTPS only.
///
/// State-changing admin endpoints are added through `extraRoutes` (they must check `admin.token`).
public struct AdminServer: Service {
    private let address: HostPort
    private let tls: TLSConfiguration?
    private let responses: AdminResponses
    private let logger: Logger
    private let onReady: @Sendable (Int) async -> Void
    private let extraRoutes: @Sendable (Router<BasicRequestContext>) -> Void

    /// - Parameters:
    ///   - address: where to listen; port 0 picks a free port, reported through `onReady`.
    ///   - tls: terminate TLS with this server configuration; nil serves plain HTTP. The context is built once:
    ///     a certificate that changes at run time comes through its `sslContextCallback`.
    ///   - onReady: called with the bound port once the listener is up.
    ///   - extraRoutes: registers further routes on the same router.
    public init(
        address: HostPort, tls: TLSConfiguration? = nil, source: StatusSource, logger: Logger,
        onReady: @escaping @Sendable (Int) async -> Void = { _ in },
        extraRoutes: @escaping @Sendable (Router<BasicRequestContext>) -> Void = { _ in }
    ) {
        self.address = address
        self.tls = tls
        self.responses = AdminResponses(source: source)
        self.logger = logger
        self.onReady = onReady
        self.extraRoutes = extraRoutes
    }

    public func run() async throws {
        let router = Router()
        let responses = self.responses
        router.get("status") { _, _ in
            responses.response(await responses.statusText(), contentType: "text/plain; charset=utf-8")
        }
        router.get("metrics") { _, _ in
            responses.response(await responses.metricsText(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("dashboard") { _, _ in
            responses.response(await responses.dashboardHTML(), contentType: "text/html; charset=utf-8")
        }
        extraRoutes(router)
        let logger = self.logger
        let onReady = self.onReady
        let requested = address
        let scheme = tls == nil ? "http" : "https"
        let app = Application(
            router: router,
            server: try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "ayaka-edge"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? requested.port
                logger.info("admin listener ready",
                            metadata: ["address": "\(requested.host):\(port)", "scheme": "\(scheme)"])
                await onReady(port)
            },
            logger: logger
        )
        try await app.run()
    }
}
