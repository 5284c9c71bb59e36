import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

/// Runs a service group until SIGTERM/SIGINT: the first starts the graceful drain, a second one during the
/// drain exits at once (exit code 1: the drain did not finish). SIGHUP runs `onReload`.
enum ProcessSignals {
    static func run(_ group: ServiceGroup, logger: Logger, onReload: (@Sendable () async -> Void)? = nil) async throws {
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint, .sighup)
        let watcher = Task {
            var stops = 0
            for await signal in signals {
                if signal == .sighup {
                    if let onReload {
                        await onReload()
                    } else {
                        logger.notice("SIGHUP ignored: this command has nothing to reload")
                    }
                    continue
                }
                stops += 1
                if stops == 1 {
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
