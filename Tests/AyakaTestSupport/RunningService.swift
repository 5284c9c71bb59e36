import ServiceLifecycle
import Logging

/// Runs the service `make` builds in a `ServiceGroup`, waits for the port it reports through the `onReady`
/// closure it is given, runs `body` with that port, then shuts the group down gracefully (also when `body`
/// throws, whose error is then rethrown).
public func withRunningService(
    _ make: (@escaping @Sendable (Int) async -> Void) -> any Service,
    _ body: (Int) async throws -> Void
) async throws {
    let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
    let group = ServiceGroup(services: [make { continuation.yield($0) }], logger: Logger(label: "group"))
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw TestFailure("the service reported no port") }
        let outcome: Result<Void, any Error>
        do {
            try await body(port)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await group.triggerGracefulShutdown()
        try await tasks.waitForAll()
        try outcome.get()
    }
}
