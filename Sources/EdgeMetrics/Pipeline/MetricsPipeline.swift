import EdgeCore
import GRDB
import Logging

/// Takes the merged snapshots the proxy's flusher hands it and applies each one: SQLite (one transaction
/// per flush), the Prometheus registry, and the in-memory totals behind `/status`.
///
/// Database failures (directory missing or unwritable, file locked or deleted, disk full) never reach
/// the caller: the snapshot's rows are counted as dropped, a warning is logged once per state change,
/// `/status` says `metrics_db: error: <reason>, dropped: N`, and every later flush tries again
/// (reopening the file when needed). With `metrics.enabled: false` no database is opened; totals and
/// Prometheus counters are still kept.
public actor MetricsPipeline {
    public nonisolated let exporter: PrometheusExporter
    public nonisolated let settings: EdgeConfig.Metrics
    private let logger: Logger
    private let clock: MetricsClock
    private var labels: MetricsLabels
    private var connection: MetricsDatabase.Connection?
    private var health: DatabaseHealth
    private var totals = RunningTotals()
    private var lastPruneMinute: Int64 = .min

    /// - Parameters:
    ///   - labels: names for the ids the shards record.
    ///   - config: `metrics` section; the database is opened at once (a failure is only recorded).
    ///   - version: shown as a Prometheus label.
    ///   - clock: wall clock, used when a snapshot carries no `takenAt`.
    public init(
        labels: MetricsLabels, config: EdgeConfig.Metrics, version: String, logger: Logger,
        clock: @escaping MetricsClock = MetricsClocks.wall
    ) {
        self.labels = labels
        self.settings = config
        self.logger = logger
        self.clock = clock
        self.exporter = PrometheusExporter(version: version)
        self.health = DatabaseHealth(enabled: config.enabled)
        if config.enabled {
            do {
                connection = try MetricsDatabase.open(path: config.database)
            } catch {
                let reason = MetricsDatabase.shortReason(error)
                _ = health.writeFailed(reason: reason, rows: 0)
                logger.warning("metrics database unavailable; traffic is served, metrics are not stored", metadata: [
                    "path": "\(config.database)", "reason": "\(reason)",
                ])
            }
        }
    }

    /// New names for the ids (after a reload). Drain the shards and ingest under the old labels first.
    public func updateLabels(_ labels: MetricsLabels) {
        self.labels = labels
    }

    /// Applies one merged snapshot. Call every `flush_interval`, and once more on shutdown. Never throws.
    public func ingest(_ snapshot: MetricsSnapshot) async {
        let now = snapshot.takenAt > 0 ? snapshot.takenAt : clock()
        totals.apply(snapshot, labels: labels, now: now)
        exporter.apply(snapshot, labels: labels)
        guard settings.enabled else { return }

        let minute = MetricsClocks.minuteStart(ofNanos: now)
        let pruneBefore: Int64? = minute > lastPruneMinute
            ? minute - settings.retention.nanoseconds / 1_000_000_000 : nil
        guard !snapshot.isEmpty || pruneBefore != nil || connection == nil else { return }
        do {
            let pool = try openIfNeeded()
            let labels = self.labels
            try await pool.write { db in
                try SnapshotWriter.write(snapshot, labels: labels, into: db)
                if let pruneBefore { try SnapshotWriter.prune(before: pruneBefore, in: db) }
            }
            if pruneBefore != nil { lastPruneMinute = minute }
            log(health.writeSucceeded(at: now))
        } catch {
            // Reopen on the next flush: the file may have been replaced, or the disk freed.
            connection = nil
            log(health.writeFailed(reason: MetricsDatabase.shortReason(error), rows: snapshot.rowCount))
        }
    }

    private func openIfNeeded() throws -> DatabasePool {
        if let connection, MetricsDatabase.isCurrent(connection, path: settings.database) {
            return connection.pool
        }
        if connection != nil {
            logger.warning("metrics database file was deleted or replaced; reopening", metadata: [
                "path": "\(settings.database)",
            ])
        }
        connection = nil
        let opened = try MetricsDatabase.open(path: settings.database)
        connection = opened
        return opened.pool
    }

    private func log(_ action: DatabaseHealth.Action) {
        switch action {
        case .none:
            break
        case .logFailure(let reason):
            logger.warning("metrics database write failed; traffic is served, metrics are dropped until it recovers",
                           metadata: ["path": "\(settings.database)", "reason": "\(reason)"])
        case .logRecovery(let snapshots, let rows):
            logger.notice("metrics database recovered", metadata: [
                "path": "\(settings.database)", "dropped_snapshots": "\(snapshots)", "dropped_rows": "\(rows)",
            ])
        }
    }

    /// What `/status` shows about metrics: totals since start and the database's health.
    public func figures() -> MetricsFigures {
        MetricsFigures(
            totals: totals,
            databaseStatus: health.statusText,
            databaseUp: health.state == .healthy,
            databasePath: settings.enabled ? settings.database : nil,
            droppedSnapshots: health.droppedSnapshots,
            droppedRows: health.droppedRows,
            lastWriteAt: health.lastWriteAt,
            labels: labels
        )
    }

    /// The open database, for the dashboard's queries; nil when disabled or currently failing.
    func reader() -> (any DatabaseReader)? {
        guard case .healthy = health.state else { return nil }
        return connection?.pool
    }
}

/// A copy of the pipeline's figures for rendering `/status`, `/metrics` and `/dashboard`.
public struct MetricsFigures: Sendable {
    public var totals: RunningTotals
    /// `ok`, `disabled`, or `error: <reason>, dropped: N`.
    public var databaseStatus: String
    public var databaseUp: Bool
    public var databasePath: String?
    public var droppedSnapshots: Int64
    public var droppedRows: Int64
    public var lastWriteAt: Int64?
    public var labels: MetricsLabels
}
