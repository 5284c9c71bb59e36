import Synchronization

/// Which config is in force, as `/status` shows it; the proxy sets it at start and on each reload.
public final class ConfigState: Sendable {
    private let value: Mutex<(generation: Int, loadedAt: Int64)>

    /// - Parameter loadedAt: wall-clock ns since the epoch when the first config was loaded.
    public init(generation: Int = 1, loadedAt: Int64) {
        value = Mutex((generation, loadedAt))
    }

    /// Records a reload: a new generation number and when it was loaded (ns since the epoch).
    public func loaded(generation: Int, at loadedAt: Int64) {
        value.withLock { $0 = (generation, loadedAt) }
    }

    public var generation: Int { value.withLock { $0.generation } }
    public var loadedAt: Int64 { value.withLock { $0.loadedAt } }
}
