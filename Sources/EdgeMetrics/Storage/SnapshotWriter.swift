import EdgeCore
import GRDB

/// Adds a merged snapshot into the per-minute tables (upserts: a minute's rows collect many flushes).
enum SnapshotWriter {
    /// Top offenders kept per minute in `limited_minutes`.
    static let offendersPerMinute = 50

    private static let bucketColumns = LatencyBuckets.columnNames.joined(separator: ", ")
    private static let bucketPlaceholders = Array(repeating: "?", count: LatencyBuckets.count).joined(separator: ", ")
    private static let bucketUpdates = LatencyBuckets.columnNames.map { "\($0) = \($0) + excluded.\($0)" }
        .joined(separator: ", ")

    static let requestSQL = """
        INSERT INTO request_minutes (minute, route, method, status_class, requests, rate_limited,
            dry_run_would_reject, bytes_in, bytes_out, latency_sum_ns, latency_max_ns, \(bucketColumns))
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \(bucketPlaceholders))
        ON CONFLICT (minute, route, method, status_class) DO UPDATE SET
            requests = requests + excluded.requests,
            rate_limited = rate_limited + excluded.rate_limited,
            dry_run_would_reject = dry_run_would_reject + excluded.dry_run_would_reject,
            bytes_in = bytes_in + excluded.bytes_in,
            bytes_out = bytes_out + excluded.bytes_out,
            latency_sum_ns = latency_sum_ns + excluded.latency_sum_ns,
            latency_max_ns = MAX(latency_max_ns, excluded.latency_max_ns),
            \(bucketUpdates)
        """

    static let upstreamSQL = """
        INSERT INTO upstream_minutes (minute, upstream, requests, connect_failures, timeouts, broken,
            responses_5xx, latency_sum_ns, latency_max_ns, \(bucketColumns))
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, \(bucketPlaceholders))
        ON CONFLICT (minute, upstream) DO UPDATE SET
            requests = requests + excluded.requests,
            connect_failures = connect_failures + excluded.connect_failures,
            timeouts = timeouts + excluded.timeouts,
            broken = broken + excluded.broken,
            responses_5xx = responses_5xx + excluded.responses_5xx,
            latency_sum_ns = latency_sum_ns + excluded.latency_sum_ns,
            latency_max_ns = MAX(latency_max_ns, excluded.latency_max_ns),
            \(bucketUpdates)
        """

    static let limitedSQL = """
        INSERT INTO limited_minutes (minute, client_ip, route, rejected) VALUES (?, ?, ?, ?)
        ON CONFLICT (minute, client_ip, route) DO UPDATE SET rejected = rejected + excluded.rejected
        """

    static let trimLimitedSQL = """
        DELETE FROM limited_minutes WHERE minute = ? AND rowid NOT IN (
            SELECT rowid FROM limited_minutes WHERE minute = ?
            ORDER BY rejected DESC, client_ip, route LIMIT \(offendersPerMinute))
        """

    static let gatewaySQL = """
        INSERT INTO gateway_minutes (minute, opened, closed, peak_active, messages_in, messages_out,
            pings_relayed, ping_timeouts, rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (minute) DO UPDATE SET
            opened = opened + excluded.opened,
            closed = closed + excluded.closed,
            peak_active = MAX(peak_active, excluded.peak_active),
            messages_in = messages_in + excluded.messages_in,
            messages_out = messages_out + excluded.messages_out,
            pings_relayed = pings_relayed + excluded.pings_relayed,
            ping_timeouts = ping_timeouts + excluded.ping_timeouts,
            rejected = rejected + excluded.rejected
        """

    static let closeCodeSQL = """
        INSERT INTO gateway_close_codes (minute, code, count) VALUES (?, ?, ?)
        ON CONFLICT (minute, code) DO UPDATE SET count = count + excluded.count
        """

    static let shadowSQL = """
        INSERT INTO shadow_minutes (minute, route, rule, would_reject) VALUES (?, ?, ?, ?)
        ON CONFLICT (minute, route, rule) DO UPDATE SET would_reject = would_reject + excluded.would_reject
        """

    /// Writes every row of `snapshot`, names resolved with `labels`. Runs inside the caller's transaction.
    static func write(_ snapshot: MetricsSnapshot, labels: MetricsLabels, into db: Database) throws {
        let request = try db.cachedStatement(sql: requestSQL)
        for (key, row) in snapshot.requests {
            var values: [any DatabaseValueConvertible] = [
                key.minute, labels.route(key.route), key.method.name, key.statusClass, row.requests,
                row.rateLimited, row.dryRunWouldReject, row.bytesIn, row.bytesOut,
                row.latency.sumNanos, row.latency.maxNanos,
            ]
            values.append(contentsOf: row.latency.buckets)
            try request.execute(arguments: StatementArguments(values))
        }

        let upstream = try db.cachedStatement(sql: upstreamSQL)
        for (key, row) in snapshot.upstreams {
            var values: [any DatabaseValueConvertible] = [
                key.minute, labels.upstream(key.server), row.requests, row.connectFailures, row.timeouts,
                row.broken, row.responses5xx, row.latency.sumNanos, row.latency.maxNanos,
            ]
            values.append(contentsOf: row.latency.buckets)
            try upstream.execute(arguments: StatementArguments(values))
        }

        if !snapshot.limited.isEmpty {
            let limited = try db.cachedStatement(sql: limitedSQL)
            var minutes = Set<Int64>()
            for (key, count) in snapshot.limited {
                minutes.insert(key.minute)
                try limited.execute(arguments: [key.minute, key.client.description, labels.route(key.route), count])
            }
            let trim = try db.cachedStatement(sql: trimLimitedSQL)
            for minute in minutes { try trim.execute(arguments: [minute, minute]) }
        }

        let gateway = try db.cachedStatement(sql: gatewaySQL)
        for (minute, row) in snapshot.gateway {
            try gateway.execute(arguments: [
                minute, row.opened, row.closed, row.peakActive, row.messagesIn, row.messagesOut,
                row.pingsRelayed, row.pingTimeouts, row.rejected,
            ])
        }

        let closeCode = try db.cachedStatement(sql: closeCodeSQL)
        for (key, count) in snapshot.closeCodes {
            try closeCode.execute(arguments: [key.minute, Int64(key.code), count])
        }

        let shadow = try db.cachedStatement(sql: shadowSQL)
        for (key, count) in snapshot.shadow {
            try shadow.execute(arguments: [
                key.minute, labels.route(key.route), labels.shadowRule(route: key.route, rule: key.rule), count,
            ])
        }
    }

    /// Deletes every row older than `minute` (exclusive) from every table.
    static func prune(before minute: Int64, in db: Database) throws {
        for table in MetricsMigrations.tables {
            try db.execute(sql: "DELETE FROM \(table) WHERE minute < ?", arguments: [minute])
        }
    }
}
