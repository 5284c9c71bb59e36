/// The metrics database's health as a state machine: flush results in, what to log out.
///
/// A failure is logged once when the database goes from healthy (or from another failure reason) to
/// failing, not on every flush; recovery is logged once with the number of snapshots dropped meanwhile.
struct DatabaseHealth: Sendable {
    enum State: Sendable, Equatable {
        case disabled
        case healthy
        case failing(reason: String)
    }

    enum Action: Sendable, Equatable {
        case none
        case logFailure(reason: String)
        case logRecovery(droppedSnapshots: Int64, droppedRows: Int64)
    }

    private(set) var state: State
    /// Snapshots (flushes) that could not be written, since start.
    private(set) var droppedSnapshots: Int64 = 0
    /// Rows of those snapshots.
    private(set) var droppedRows: Int64 = 0
    private var droppedSinceFailure: (snapshots: Int64, rows: Int64) = (0, 0)
    /// Wall-clock ns of the last successful write.
    private(set) var lastWriteAt: Int64?

    init(enabled: Bool) {
        state = enabled ? .healthy : .disabled
    }

    mutating func opened() -> Action {
        guard case .failing = state else { return .none }
        return recovered()
    }

    mutating func writeSucceeded(at now: Int64) -> Action {
        lastWriteAt = now
        guard case .failing = state else { return .none }
        return recovered()
    }

    /// A flush failed; `rows` rows are lost (0 when the flush had nothing to write).
    mutating func writeFailed(reason: String, rows: Int) -> Action {
        if rows > 0 {
            droppedSnapshots += 1
            droppedRows += Int64(rows)
            droppedSinceFailure.snapshots += 1
            droppedSinceFailure.rows += Int64(rows)
        }
        if state == .failing(reason: reason) { return .none }
        if case .healthy = state { droppedSinceFailure = rows > 0 ? (1, Int64(rows)) : (0, 0) }
        state = .failing(reason: reason)
        return .logFailure(reason: reason)
    }

    private mutating func recovered() -> Action {
        state = .healthy
        let dropped = droppedSinceFailure
        droppedSinceFailure = (0, 0)
        return .logRecovery(droppedSnapshots: dropped.snapshots, droppedRows: dropped.rows)
    }

    /// The `metrics_db` value on `/status`.
    var statusText: String {
        switch state {
        case .disabled: "disabled"
        case .healthy: "ok"
        case .failing(let reason): "error: \(reason), dropped: \(droppedSnapshots)"
        }
    }
}
