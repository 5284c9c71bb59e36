import ArgumentParser
import EdgeCore
import EdgeMetrics
import Foundation

/// `ayaka-edge report`: traffic over a time range, from the metrics database alone (no running proxy).
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Traffic report from the metrics database: top routes, limited buckets, errors, latency.",
        discussion: """
            Reads the SQLite metrics database only; the proxy need not run. Default database: \
            metrics.database of the config (--config FILE, else Config/ayaka-edge.yaml if present, else \
            the built-in default data/metrics.sqlite).

            Formats: text (aligned tables), json (snake_case keys), csv (one long table: \
            section,name,field,value).

            Exit codes: 0 report printed; 1 database missing, unreadable or not a metrics database (or \
            the config cannot be read); 2 database holds no traffic yet; 64 bad option (e.g. --since).
            """
    )

    @Option(name: .long, help: "Metrics database file. Default: metrics.database of the config.")
    var db: String?

    @Option(name: .long, help: "Config file used to find the database when --db is not given.")
    var config: String?

    @Option(name: .long, help: "Time range ending now: <integer><unit>, unit s, m, h or d (30m, 1h, 7d).")
    var since = "1h"

    @Option(name: .long, help: "Output format: text, json or csv.")
    var format: ReportFormat = .text

    func validate() throws {
        do {
            _ = try ReportSince.seconds(since)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() throws {
        let path = try db ?? ConfigReport.loadOrExit(config).0.metrics.database
        let seconds = try ReportSince.seconds(since)
        do {
            let report = try ReportQuery.run(
                path: path, since: seconds, sinceText: since, now: Int64(Date().timeIntervalSince1970)
            )
            print(format.render(report), terminator: "")
        } catch let failure as ReportQuery.Failure {
            ConfigReport.printError("ayaka-edge report: \(failure)")
            throw ExitCode(failure.exitCode)
        }
    }
}

extension ReportFormat: ExpressibleByArgument {}
