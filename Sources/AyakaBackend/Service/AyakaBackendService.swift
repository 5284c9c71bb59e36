import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The reference Ayaka backend: the REST API and the WebSocket gateway, over one SQLite database.
///
/// Run it in a `ServiceGroup` (or call ``run()``): it serves until graceful shutdown or cancellation.
/// `onReady` is called once both listeners are bound, with the actual ports.
public struct AyakaBackendService: Service {
    let backend: BackendContext
    let onReady: @Sendable (BackendAddresses) async -> Void

    /// Opens and migrates the database; throws when it cannot.
    public init(
        configuration: BackendConfiguration,
        logger: Logger,
        onReady: @escaping @Sendable (BackendAddresses) async -> Void = { _ in }
    ) throws {
        self.backend = BackendContext(
            configuration: configuration,
            store: try AyakaStore(path: configuration.databasePath),
            ids: SnowflakeGenerator(),
            passwords: PasswordHasher(rounds: configuration.passwordHashRounds),
            hub: GatewayHub(),
            logger: logger
        )
        self.onReady = onReady
    }

    public func run() async throws {
        let configuration = backend.configuration
        let latch = ReadinessLatch(onReady: onReady)
        let gatewayPort = GatewayPortBox()
        let rest = Application(
            router: RESTServer.router(backend: backend),
            configuration: .init(address: .hostname(configuration.restHost, port: configuration.restPort)),
            onServerRunning: { channel in await latch.restBound(port: channel.localAddress?.port ?? 0) },
            logger: backend.logger
        )
        let gateway = GatewayServer(backend: backend, boundPort: gatewayPort).application { port in
            await latch.gatewayBound(port: port)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await rest.run() }
            group.addTask { try await gateway.run() }
            // On graceful shutdown both servers drain and return by themselves; when one fails, stop the other.
            do {
                while try await group.next() != nil {}
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }
}
