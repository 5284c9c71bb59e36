import AyakaTestSupport
import Foundation
import Logging
import ServiceLifecycle
@testable import AyakaBackend

/// Runs the real backend on loopback with OS-chosen ports and a temporary database.
enum TestBackend {
    static let logger: Logger = {
        var logger = Logger(label: "ayaka-backend-tests")
        logger.logLevel = .warning
        return logger
    }()

    static func temporaryDatabasePath() -> String {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("ayaka-tests-\(UUID().uuidString)")
            .appendingPathComponent("ayaka.sqlite").path
    }

    static func configuration(databasePath: String = temporaryDatabasePath()) -> BackendConfiguration {
        var configuration = BackendConfiguration()
        configuration.restPort = 0
        configuration.gatewayPort = 0
        configuration.databasePath = databasePath
        configuration.passwordHashRounds = 1_000
        return configuration
    }

    /// Starts the backend, runs `body` with its addresses, then shuts it down gracefully.
    static func run<T: Sendable>(
        _ configuration: BackendConfiguration = configuration(),
        _ body: @Sendable (BackendAddresses) async throws -> T
    ) async throws -> T {
        let (ready, readyContinuation) = AsyncStream.makeStream(of: BackendAddresses.self)
        let service = try AyakaBackendService(configuration: configuration, logger: logger) { addresses in
            readyContinuation.yield(addresses)
            readyContinuation.finish()
        }
        let group = ServiceGroup(configuration: .init(services: [service], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ready.makeAsyncIterator()
            guard let addresses = await iterator.next() else { throw TestFailure("backend never became ready") }
            let result: T
            do {
                result = try await body(addresses)
            } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }
    }
}

