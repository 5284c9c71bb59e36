import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Runs a service group until SIGTERM/SIGINT: the first signal starts the graceful drain, a second one
/// during the drain exits at once (exit code 1: the drain did not finish).
enum ShutdownSignals {
    static func run(_ group: ServiceGroup, logger: Logger) async throws {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        let watcher = Task {
            var count = 0
            for await signal in signals {
                count += 1
                if count == 1 {
                    logger.info("signal received: draining", metadata: ["signal": "\(signal)"])
                    await group.triggerGracefulShutdown()
                } else {
                    logger.warning("second signal during the drain: exiting now", metadata: ["signal": "\(signal)"])
                    exit(1)
                }
            }
        }
        defer { watcher.cancel() }
        try await group.run()
    }
}
