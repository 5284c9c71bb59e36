import Synchronization

/// Which config is in force, as `/status` shows it; the proxy sets it at start and on each reload.
public final class ConfigState: Sendable {
    private let value: Mutex<(generation: Int, loadedAt: Int64, lastError: String?)>

    /// - Parameter loadedAt: wall-clock ns since the epoch when the first config was loaded.
    public init(generation: Int = 1, loadedAt: Int64) {
        value = Mutex((generation, loadedAt, nil))
    }

    /// Records a reload: a new generation number and when it was loaded (ns since the epoch).
    public func loaded(generation: Int, at loadedAt: Int64) {
        value.withLock { $0 = (generation, loadedAt, nil) }
    }

    /// Records a rejected reload (the old config stays in force); cleared by the next good one.
    public func reloadFailed(_ reason: String) {
        value.withLock { $0.lastError = reason }
    }

    public var generation: Int { value.withLock { $0.generation } }
    public var loadedAt: Int64 { value.withLock { $0.loadedAt } }
    /// Why the last reload was rejected, if it was.
    public var lastReloadError: String? { value.withLock { $0.lastError } }
}
