import Foundation
import GRDB

/// `ayaka-edge tune`: what candidate limits would have done to the recorded traffic of one rule, read from
/// the metrics database only (so it runs on a copy of a production database too).
public enum TuneQuery {
    /// Why `tune` could not answer; each has its own exit code (`ayaka-edge tune --help`, `docs/tuning.md`).
    public enum Failure: Error, CustomStringConvertible, Equatable {
        /// No file at the path (exit 1).
        case missing(path: String)
        /// Not a readable ayaka-edge metrics database (exit 1).
        case unreadable(path: String, reason: String)
        /// A metrics database without any tuning histogram yet, or none for the route in the range (exit 2).
        case empty(path: String, detail: String)
        /// A metrics database written before tuning histograms existed (exit 3).
        case olderSchema(path: String)
        /// No recorded rule of that name (exit 4).
        case unknownRoute(String, known: [String])
        /// A candidate's window length was not recorded (exit 5).
        case windowNotRecorded(limit: String, route: String, available: [String])

        public var description: String {
            switch self {
            case .missing(let path):
                "no metrics database at \(path) (start the proxy with metrics enabled, or pass --db FILE)"
            case .unreadable(let path, let reason):
                "\(path) is not a readable ayaka-edge metrics database: \(reason)"
            case .empty(let path, let detail):
                "the metrics database \(path) holds no tuning histograms \(detail)"
            case .olderSchema(let path):
                "the metrics database \(path) was written by an older ayaka-edge without tuning histograms "
                    + "(no window_histograms table); `report` still reads it. Run this version's proxy on it (it "
                    + "migrates the file) and let it record traffic, then tune"
            case .unknownRoute(let route, let known):
                "unknown route '\(route)'; recorded routes: \(known.isEmpty ? "none" : known.joined(separator: ", "))"
            case .windowNotRecorded(let limit, let route, let available):
                "limit \(limit): that window length was not recorded for \(route); recorded windows: "
                    + (available.isEmpty ? "none" : available.joined(separator: ", "))
                    + " (metrics.tuning_windows)"
            }
        }

        public var exitCode: Int32 {
            switch self {
            case .missing, .unreadable: 1
            case .empty: 2
            case .olderSchema: 3
            case .unknownRoute: 4
            case .windowNotRecorded: 5
            }
        }
    }

    /// What the user asked.
    public struct Request: Sendable {
        public var path: String
        public var route: String
        public var since: Int64
        public var sinceText: String
        /// Wall-clock seconds since the epoch.
        public var now: Int64
        public var limits: [TuneLimit]
        /// `--suggest --max-affected`: the largest share of (client, window) pairs a suggestion may touch.
        public var maxAffected: Double?

        public init(path: String, route: String, since: Int64, sinceText: String, now: Int64,
                    limits: [TuneLimit] = [], maxAffected: Double? = nil) {
            self.path = path
            self.route = route
            self.since = since
            self.sinceText = sinceText
            self.now = now
            self.limits = limits
            self.maxAffected = maxAffected
        }
    }

    public static let note = "shares are of (client, aligned window) pairs, not of distinct clients; windows are "
        + "aligned to multiples of their length (UTC), see docs/tuning.md for when this equals the enforcing limiter"

    public static func run(_ request: Request) throws -> TuneReport {
        let path = request.path
        guard FileManager.default.fileExists(atPath: path) else { throw Failure.missing(path: path) }
        let pool: DatabasePool
        do {
            pool = try MetricsDatabase.openForReading(path: path)
        } catch {
            throw Failure.unreadable(path: path, reason: MetricsDatabase.shortReason(error))
        }
        do {
            return try pool.read { db in try build(db, request) }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure.unreadable(path: path, reason: MetricsDatabase.shortReason(error))
        }
    }

    static func build(_ db: Database, _ request: Request) throws -> TuneReport {
        let path = request.path
        guard try db.tableExists("request_minutes") else {
            throw Failure.unreadable(path: path, reason: "no request_minutes table")
        }
        guard try db.tableExists("window_histograms"), try db.tableExists("window_peaks") else {
            throw Failure.olderSchema(path: path)
        }
        let known = try String.fetchAll(db, sql: "SELECT DISTINCT route FROM window_histograms ORDER BY route")
        guard !known.isEmpty else { throw Failure.empty(path: path, detail: "yet (no traffic recorded)") }
        guard known.contains(request.route) else { throw Failure.unknownRoute(request.route, known: known) }

        let firstHour = hourStart(request.now - request.since)
        let range: StatementArguments = [request.route, firstHour, request.now]
        var perHour: [Int64: [Int64: CountHistogram]] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT window_seconds, hour, bin_low, pairs, requests FROM window_histograms
            WHERE route = ? AND hour >= ? AND hour <= ?
            """, arguments: range)
        while let row = try rows.next() {
            let bin = CountBins.bin(of: row[2])
            perHour[row[0], default: [:]][row[1], default: CountHistogram()]
                .add(bin: bin, pairs: row[3], requests: row[4])
        }
        let peaks = try Row.fetchCursor(db, sql: """
            SELECT window_seconds, hour, max_count FROM window_peaks WHERE route = ? AND hour >= ? AND hour <= ?
            """, arguments: range)
        while let row = try peaks.next() {
            let windowSeconds: Int64 = row[0], hour: Int64 = row[1], peak: Int64 = row[2]
            perHour[windowSeconds, default: [:]][hour, default: CountHistogram()].maxCount = peak
        }
        guard !perHour.isEmpty else {
            throw Failure.empty(path: path, detail: "for \(request.route) in the last \(request.sinceText)")
        }
        let available = perHour.keys.sorted().map { WindowText.text(seconds: $0) }
        for limit in request.limits where perHour[limit.windowSeconds] == nil {
            throw Failure.windowNotRecorded(limit: limit.description, route: request.route, available: available)
        }

        var totals: [Int64: CountHistogram] = [:]
        for (window, hours) in perHour {
            for histogram in hours.values { totals[window, default: CountHistogram()].merge(histogram) }
        }
        let windows = totals.sorted { $0.key < $1.key }.map { window, histogram in
            TuneReport.WindowLine(
                window: WindowText.text(seconds: window), windowSeconds: window, pairs: histogram.totalPairs,
                requests: histogram.totalRequests, p50: histogram.quantile(0.5), p99: histogram.quantile(0.99),
                max: histogram.maxCount
            )
        }
        let candidates = request.limits.map { limit in
            candidate(limit, total: totals[limit.windowSeconds] ?? CountHistogram(),
                      hours: perHour[limit.windowSeconds] ?? [:])
        }
        var suggestions: [TuneReport.SuggestionLine] = []
        if let share = request.maxAffected {
            for (window, histogram) in totals.sorted(by: { $0.key < $1.key }) {
                if let line = suggest(window: window, histogram, maxAffected: share) { suggestions.append(line) }
            }
        }
        return TuneReport(
            route: request.route, since: request.sinceText, from: Formatting.timestamp(seconds: firstHour),
            to: Formatting.timestamp(seconds: request.now), windows: windows, candidates: candidates,
            maxAffected: request.maxAffected, suggestions: suggestions, note: note
        )
    }

    /// One candidate's figures over the whole range, and its worst hour.
    static func candidate(_ limit: TuneLimit, total: CountHistogram, hours: [Int64: CountHistogram])
        -> TuneReport.CandidateLine {
        let rejected = total.rejected(limit: limit.limit)
        let affected = total.affected(limit: limit.limit)
        var worst: (hour: Int64, rejected: Int64)?
        for (hour, histogram) in hours.sorted(by: { $0.key < $1.key }) {
            let value = histogram.rejected(limit: limit.limit).estimate
            if value > 0, value > (worst?.rejected ?? 0) { worst = (hour, value) }
        }
        let pairs = total.totalPairs, requests = total.totalRequests
        return TuneReport.CandidateLine(
            limit: limit.description, count: limit.limit, windowSeconds: limit.windowSeconds,
            rejectedRequests: rejected.estimate, rejectedLow: rejected.low, rejectedHigh: rejected.high,
            affectedPairs: affected.estimate, affectedShare: ratio(affected.estimate, pairs), pairs: pairs,
            requests: requests, rejectedShare: ratio(rejected.estimate, requests),
            exact: rejected.isExact && affected.isExact,
            worstHour: worst.map { Formatting.timestamp(seconds: $0.hour) }, worstHourRejected: worst?.rejected ?? 0
        )
    }

    /// The smallest N, among the limits where the figures are exact (1...64, log-bin upper bounds and the
    /// largest count), whose affected pairs are at most `maxAffected` of all pairs.
    static func suggest(window: Int64, _ histogram: CountHistogram, maxAffected: Double)
        -> TuneReport.SuggestionLine? {
        let pairs = histogram.totalPairs
        guard pairs > 0 else { return nil }
        var limits = Array(Int64(1)...CountBins.exactMax)
        for bin in Int(CountBins.exactMax)..<(CountBins.count - 1) where CountBins.upper(bin) < histogram.maxCount {
            limits.append(CountBins.upper(bin))
        }
        limits.append(max(histogram.maxCount, 1))
        for limit in limits {
            let affected = histogram.affected(limit: limit)
            guard affected.isExact, Double(affected.high) <= maxAffected * Double(pairs) else { continue }
            return TuneReport.SuggestionLine(
                window: WindowText.text(seconds: window), limit: "\(limit)/\(WindowText.text(seconds: window))",
                count: limit, affectedPairs: affected.high, affectedShare: ratio(affected.high, pairs),
                rejectedRequests: histogram.rejected(limit: limit).estimate
            )
        }
        return nil
    }

    static func hourStart(_ seconds: Int64) -> Int64 {
        seconds - ((seconds % 3_600) + 3_600) % 3_600
    }

    static func ratio(_ part: Int64, _ whole: Int64) -> Double {
        whole == 0 ? 0 : Double(part) / Double(whole)
    }
}
