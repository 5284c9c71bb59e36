import Foundation
import GRDB

/// Builds a `MetricsReport` from the metrics database, with no running proxy.
public enum ReportQuery {
    /// Why a report could not be made; each has its own exit code (`ayaka-edge report --help`).
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// No file at the path (exit 1).
        case missing(path: String)
        /// The file is not a readable metrics database (exit 1).
        case unreadable(path: String, reason: String)
        /// A metrics database without any recorded traffic at all (exit 2).
        case empty(path: String)

        public var description: String {
            switch self {
            case .missing(let path):
                "no metrics database at \(path) (start the proxy with metrics enabled, or pass --db FILE)"
            case .unreadable(let path, let reason):
                "\(path) is not a readable ayaka-edge metrics database: \(reason)"
            case .empty(let path):
                "the metrics database \(path) holds no traffic yet"
            }
        }

        public var exitCode: Int32 {
            switch self {
            case .missing, .unreadable: 1
            case .empty: 2
            }
        }
    }

    /// Most rows in the "top limited" section.
    public static let topLimitedRows = 20

    /// Opens `path` read-only and reports over the minutes starting in `[now - since, now]`.
    ///
    /// - Parameters:
    ///   - since: the range's length; `sinceText` is how the user wrote it (echoed in the report).
    ///   - now: wall-clock seconds since the epoch.
    public static func run(path: String, since: Int64, sinceText: String, now: Int64) throws -> MetricsReport {
        guard FileManager.default.fileExists(atPath: path) else { throw Failure.missing(path: path) }
        let pool: DatabasePool
        do {
            pool = try MetricsDatabase.openForReading(path: path)
        } catch {
            throw Failure.unreadable(path: path, reason: MetricsDatabase.shortReason(error))
        }
        do {
            return try pool.read { db in
                guard try db.tableExists("request_minutes") else {
                    throw Failure.unreadable(path: path, reason: "no request_minutes table")
                }
                let anyRow = try Bool.fetchOne(db, sql: """
                    SELECT EXISTS (SELECT 1 FROM request_minutes) OR EXISTS (SELECT 1 FROM gateway_minutes)
                        OR EXISTS (SELECT 1 FROM upstream_minutes)
                    """) ?? false
                guard anyRow else { throw Failure.empty(path: path) }
                return try build(db, from: now - since, to: now, sinceText: sinceText)
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure.unreadable(path: path, reason: MetricsDatabase.shortReason(error))
        }
    }

    /// The report over minutes starting in `[from, to]` (seconds since the epoch).
    static func build(_ db: Database, from: Int64, to: Int64, sinceText: String) throws -> MetricsReport {
        let range: StatementArguments = [from, to]
        let routeRows = try Row.fetchAll(db, sql: """
            SELECT route, status_class, SUM(requests), SUM(rate_limited), SUM(dry_run_would_reject), SUM(bytes_in),
                SUM(bytes_out), SUM(latency_sum_ns), MAX(latency_max_ns), \(HistogramColumns.sums)
            FROM request_minutes WHERE minute >= ? AND minute <= ? GROUP BY route, status_class
            """, arguments: range)
        var routes: [String: (classes: [Int64], limited: Int64, dryRun: Int64, bytesIn: Int64, bytesOut: Int64,
                              latency: LatencyHistogram)] = [:]
        for row in routeRows {
            let name: String = row[0]
            let statusClass: Int = row[1]
            var entry = routes[name] ?? (Array(repeating: 0, count: 6), 0, 0, 0, 0, LatencyHistogram())
            entry.classes[max(0, min(5, statusClass))] += row[2]
            entry.limited += row[3] as Int64
            entry.dryRun += row[4] as Int64
            entry.bytesIn += row[5] as Int64
            entry.bytesOut += row[6] as Int64
            entry.latency.merge(HistogramColumns.histogram(row, at: 9, sumNanos: row[7], maxNanos: row[8]))
            routes[name] = entry
        }
        var all = LatencyHistogram()
        var totals = MetricsReport.Totals(
            requests: 0, rateLimited: 0, dryRunWouldReject: 0, responses4xx: 0, responses5xx: 0, errorRate: 0,
            bytesIn: 0, bytesOut: 0, latency: .init(LatencyHistogram())
        )
        var routeLines: [MetricsReport.RouteLine] = []
        for (name, entry) in routes {
            let requests = entry.classes.reduce(0, +)
            routeLines.append(MetricsReport.RouteLine(
                route: name, requests: requests, responses2xx: entry.classes[2], responses3xx: entry.classes[3],
                responses4xx: entry.classes[4], responses5xx: entry.classes[5], rateLimited: entry.limited,
                dryRunWouldReject: entry.dryRun, errorRate: ratio(entry.classes[5], requests),
                limitedRate: ratio(entry.limited, requests), bytesIn: entry.bytesIn, bytesOut: entry.bytesOut,
                latency: .init(entry.latency)
            ))
            totals.requests += requests
            totals.rateLimited += entry.limited
            totals.dryRunWouldReject += entry.dryRun
            totals.responses4xx += entry.classes[4]
            totals.responses5xx += entry.classes[5]
            totals.bytesIn += entry.bytesIn
            totals.bytesOut += entry.bytesOut
            all.merge(entry.latency)
        }
        totals.errorRate = ratio(totals.responses5xx, totals.requests)
        totals.latency = .init(all)
        routeLines.sort { $0.requests != $1.requests ? $0.requests > $1.requests : $0.route < $1.route }

        let limited = try Row.fetchAll(db, sql: """
            SELECT client_ip, route, SUM(rejected) AS total FROM limited_minutes WHERE minute >= ? AND minute <= ?
            GROUP BY client_ip, route ORDER BY total DESC, client_ip, route LIMIT \(topLimitedRows)
            """, arguments: range).map { MetricsReport.LimitedLine(client: $0[0], route: $0[1], rejected: $0[2]) }

        let upstreams = try Row.fetchAll(db, sql: """
            SELECT upstream, SUM(requests), SUM(connect_failures), SUM(timeouts), SUM(broken), SUM(responses_5xx),
                SUM(latency_sum_ns), MAX(latency_max_ns), \(HistogramColumns.sums)
            FROM upstream_minutes WHERE minute >= ? AND minute <= ? GROUP BY upstream ORDER BY upstream
            """, arguments: range).map { row in
            let requests: Int64 = row[1]
            let failures = (row[2] as Int64) + (row[3] as Int64) + (row[4] as Int64)
            return MetricsReport.UpstreamLine(
                upstream: row[0], requests: requests, connectFailures: row[2], timeouts: row[3], broken: row[4],
                responses5xx: row[5], failureRate: ratio(failures, requests),
                latency: .init(HistogramColumns.histogram(row, at: 8, sumNanos: row[6], maxNanos: row[7]))
            )
        }

        let gatewayRow = try Row.fetchOne(db, sql: """
            SELECT IFNULL(SUM(opened), 0), IFNULL(SUM(closed), 0), IFNULL(MAX(peak_active), 0),
                IFNULL(SUM(messages_in), 0), IFNULL(SUM(messages_out), 0), IFNULL(SUM(pings_relayed), 0),
                IFNULL(SUM(ping_timeouts), 0), IFNULL(SUM(rejected), 0)
            FROM gateway_minutes WHERE minute >= ? AND minute <= ?
            """, arguments: range)
        let gateway = MetricsReport.GatewayLine(
            opened: gatewayRow?[0] ?? 0, closed: gatewayRow?[1] ?? 0, peakActive: gatewayRow?[2] ?? 0,
            messagesIn: gatewayRow?[3] ?? 0, messagesOut: gatewayRow?[4] ?? 0, pingsRelayed: gatewayRow?[5] ?? 0,
            pingTimeouts: gatewayRow?[6] ?? 0, rejected: gatewayRow?[7] ?? 0
        )

        let closeCodes = try Row.fetchAll(db, sql: """
            SELECT code, SUM(count) FROM gateway_close_codes WHERE minute >= ? AND minute <= ? GROUP BY code
            ORDER BY code
            """, arguments: range).map { MetricsReport.CloseCodeLine(code: $0[0], count: $0[1]) }

        let shadow = try Row.fetchAll(db, sql: """
            SELECT route, rule, SUM(would_reject) FROM shadow_minutes WHERE minute >= ? AND minute <= ?
            GROUP BY route, rule ORDER BY route, rule
            """, arguments: range).map { MetricsReport.ShadowLine(route: $0[0], rule: $0[1], wouldReject: $0[2]) }

        return MetricsReport(
            since: sinceText, from: Formatting.timestamp(seconds: from),
            to: Formatting.timestamp(seconds: to), totals: totals, routes: routeLines, topLimited: limited,
            upstreams: upstreams, gateway: gateway, closeCodes: closeCodes, shadowRules: shadow
        )
    }

    static func ratio(_ part: Int64, _ whole: Int64) -> Double {
        whole == 0 ? 0 : Double(part) / Double(whole)
    }
}
