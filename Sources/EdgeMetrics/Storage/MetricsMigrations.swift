import GRDB

/// The metrics database schema, as GRDB migrations. Every table and column is described in
/// `docs/metrics-schema.md`; the `minute` column is always the minute's start in seconds since the epoch.
enum MetricsMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: per-minute traffic tables") { db in
            let buckets = LatencyBuckets.columnNames.map { "\($0) INTEGER NOT NULL DEFAULT 0" }
                .joined(separator: ",\n")
            try db.execute(sql: """
                CREATE TABLE request_minutes (
                    minute INTEGER NOT NULL,
                    route TEXT NOT NULL,
                    method TEXT NOT NULL,
                    status_class INTEGER NOT NULL,
                    requests INTEGER NOT NULL DEFAULT 0,
                    rate_limited INTEGER NOT NULL DEFAULT 0,
                    dry_run_would_reject INTEGER NOT NULL DEFAULT 0,
                    bytes_in INTEGER NOT NULL DEFAULT 0,
                    bytes_out INTEGER NOT NULL DEFAULT 0,
                    latency_sum_ns INTEGER NOT NULL DEFAULT 0,
                    latency_max_ns INTEGER NOT NULL DEFAULT 0,
                    \(buckets),
                    PRIMARY KEY (minute, route, method, status_class)
                ) WITHOUT ROWID;
                CREATE TABLE upstream_minutes (
                    minute INTEGER NOT NULL,
                    upstream TEXT NOT NULL,
                    requests INTEGER NOT NULL DEFAULT 0,
                    connect_failures INTEGER NOT NULL DEFAULT 0,
                    timeouts INTEGER NOT NULL DEFAULT 0,
                    broken INTEGER NOT NULL DEFAULT 0,
                    responses_5xx INTEGER NOT NULL DEFAULT 0,
                    latency_sum_ns INTEGER NOT NULL DEFAULT 0,
                    latency_max_ns INTEGER NOT NULL DEFAULT 0,
                    \(buckets),
                    PRIMARY KEY (minute, upstream)
                ) WITHOUT ROWID;
                CREATE TABLE limited_minutes (
                    minute INTEGER NOT NULL,
                    client_ip TEXT NOT NULL,
                    route TEXT NOT NULL,
                    rejected INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (minute, client_ip, route)
                );
                CREATE TABLE gateway_minutes (
                    minute INTEGER NOT NULL PRIMARY KEY,
                    opened INTEGER NOT NULL DEFAULT 0,
                    closed INTEGER NOT NULL DEFAULT 0,
                    peak_active INTEGER NOT NULL DEFAULT 0,
                    messages_in INTEGER NOT NULL DEFAULT 0,
                    messages_out INTEGER NOT NULL DEFAULT 0,
                    pings_relayed INTEGER NOT NULL DEFAULT 0,
                    ping_timeouts INTEGER NOT NULL DEFAULT 0,
                    rejected INTEGER NOT NULL DEFAULT 0
                );
                CREATE TABLE gateway_close_codes (
                    minute INTEGER NOT NULL,
                    code INTEGER NOT NULL,
                    count INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (minute, code)
                ) WITHOUT ROWID;
                CREATE TABLE shadow_minutes (
                    minute INTEGER NOT NULL,
                    route TEXT NOT NULL,
                    rule TEXT NOT NULL,
                    would_reject INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (minute, route, rule)
                ) WITHOUT ROWID;
                """)
        }
        return migrator
    }

    /// The tables pruned by retention, all keyed by `minute`.
    static let tables = [
        "request_minutes", "upstream_minutes", "limited_minutes", "gateway_minutes", "gateway_close_codes",
        "shadow_minutes",
    ]
}
