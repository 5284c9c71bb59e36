import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `ayaka-edge status`: fetches and prints the running proxy's plain-text `/status`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print the running proxy's plain-text status (GET /status on the admin listener).",
        discussion: """
            The first four lines are nginx stub_status; every field after them is described in \
            Sources/EdgeMetrics/docs/metrics-endpoints.md.

            Exit codes: 0 printed; 1 the proxy could not be reached or answered with an error.
            """
    )

    @Option(name: .long, help: "The status URL.")
    var url = "http://127.0.0.1:9090/status"

    @Option(name: .long, help: "Seconds to wait for an answer.")
    var timeout: Double = 5

    func validate() throws {
        guard let parsed = URL(string: url), parsed.scheme == "http" || parsed.scheme == "https", parsed.host != nil
        else { throw ValidationError("invalid --url '\(url)': expected http://HOST:PORT/status") }
    }

    func run() async throws {
        guard let target = URL(string: url) else { throw ExitCode(1) }
        var request = URLRequest(url: target)
        request.timeoutInterval = timeout
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            ConfigReport.printError(
                "ayaka-edge status: cannot reach \(url): \(error.localizedDescription) (is the proxy running?)"
            )
            throw ExitCode(1)
        }
        let code = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard code == 200 else {
            ConfigReport.printError("ayaka-edge status: \(url) answered HTTP \(code)")
            throw ExitCode(1)
        }
        print(String(decoding: data, as: UTF8.self), terminator: "")
    }
}
