import ArgumentParser
import EdgeMetrics
import Foundation

/// `ayaka-edge tune`: what candidate limits would have done to the recorded traffic of one rule.
struct TuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tune",
        abstract: "What-if: what candidate limits would have done to the recorded traffic of a route.",
        discussion: """
            Reads the metrics database only (a copy of a production database works): the histograms of \
            requests per client per aligned window that the proxy records for every rule (route names, \
            default, GLOBAL) and every metrics.tuning_windows length. For each --limit N/WINDOW: the requests \
            a fixed window of N per aligned WINDOW would have rejected, the (client, window) pairs it would \
            have touched and their share, and its worst hour. --suggest --max-affected P proposes, per \
            window length, the tightest N touching at most P of the pairs. Shares are of (client, window) \
            pairs, not distinct clients. Limits ≤ 64 (and at log-bin bounds above) are exact; others are \
            estimates with bounds. See docs/tuning.md for when aligned windows equal the enforcing limiter.

            Exit codes: 0 printed; 1 database missing or unreadable (or the config cannot be read); 2 no \
            tuning histograms recorded (for the route in the range); 3 database from an older ayaka-edge \
            without tuning tables; 4 unknown route (the recorded ones are listed); 5 a --limit window that \
            was not recorded (the recorded ones are listed); 64 bad option (malformed --limit, --since, \
            --max-affected).
            """
    )

    @Option(name: .long, help: "Route name as in the config (or default, GLOBAL).")
    var route: String

    @Option(name: .long, help: "Metrics database file. Default: metrics.database of the config.")
    var db: String?

    @Option(name: .long, help: "Config file used to find the database when --db is not given.")
    var config: String?

    @Option(name: .long, help: "Time range ending now: <integer><unit>, unit s, m, h or d.")
    var since = "7d"

    @Option(name: .long, parsing: .singleValue, help: "Candidate limit N/WINDOW, e.g. 5/1m (repeatable).")
    var limit: [String] = []

    @Flag(name: .long, help: "Propose the tightest limit per window length (with --max-affected).")
    var suggest = false

    @Option(name: .long, help: "Largest share of (client, window) pairs a suggestion may touch: 0.1% or 0.001.")
    var maxAffected = "0.1%"

    @Option(name: .long, help: "Output format: text, json or csv.")
    var format: ReportFormat = .text

    func validate() throws {
        do {
            _ = try ReportSince.seconds(since)
            for text in limit { _ = try TuneLimit(parsing: text) }
            _ = try TuneShare.parse(maxAffected)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() throws {
        let path = try db ?? ConfigReport.loadOrExit(config).0.metrics.database
        let request = TuneQuery.Request(
            path: path, route: route, since: try ReportSince.seconds(since), sinceText: since,
            now: Int64(Date().timeIntervalSince1970), limits: try limit.map(TuneLimit.init(parsing:)),
            maxAffected: suggest ? try TuneShare.parse(maxAffected) : nil
        )
        do {
            print(TuneFormat.render(try TuneQuery.run(request), as: format), terminator: "")
        } catch let failure as TuneQuery.Failure {
            ConfigReport.printError("ayaka-edge tune: \(failure)")
            throw ExitCode(failure.exitCode)
        }
    }
}
