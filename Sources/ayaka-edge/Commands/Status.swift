import ArgumentParser
import AsyncHTTPClient
import EdgeCore
import Foundation
import NIOSSL

/// `ayaka-edge status`: fetches and prints the running proxy's plain-text `/status`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Print the running proxy's plain-text status (GET /status on the admin listener).",
        discussion: """
            The first four lines are nginx stub_status; every field after them is described in \
            docs/metrics-endpoints.md.

            Without --url, the address comes from the config (listen.admin, on loopback when it listens on \
            every address), over HTTPS when listen.tls.admin is set: the server must then present that \
            configured certificate (it is the only trust root; the host name is not checked against it). \
            With --url https://..., the certificate is verified against --ca-certificate, or the system's \
            trust roots without it.

            Exit codes: 0 printed; 1 the proxy could not be reached or answered with an error.
            """
    )

    @Option(name: .long, help: "The status URL. Default: from the config's listen.admin and listen.tls.admin.")
    var url: String?

    @Option(name: .long, help: "Config file (YAML) to find the admin listener in, when --url is not given.")
    var config: String?

    @Option(name: .long, help: "PEM file of the certificate(s) to trust for an https:// --url.")
    var caCertificate: String?

    @Option(name: .long, help: "Seconds to wait for an answer.")
    var timeout: Double = 5

    func validate() throws {
        guard let url else { return }
        guard let parsed = URL(string: url), parsed.scheme == "http" || parsed.scheme == "https", parsed.host != nil
        else { throw ValidationError("invalid --url '\(url)': expected http://HOST:PORT/status") }
    }

    /// Where to ask and whom to trust: `--url`/`--ca-certificate`, or the config's admin listener.
    private func target() throws -> (url: String, tls: TLSConfiguration?) {
        if let url {
            guard url.hasPrefix("https:") else { return (url, nil) }
            var tls = TLSConfiguration.makeClientConfiguration()
            if let caCertificate { tls.trustRoots = .file(caCertificate) }
            return (url, tls)
        }
        let config: EdgeConfig
        do {
            config = try ConfigFile.load(self.config).0
        } catch {
            ConfigReport.printError("ayaka-edge status: \(error)")
            throw ExitCode(1)
        }
        let admin = config.listen.admin
        let host = switch admin.host {
        case "0.0.0.0", "": "127.0.0.1"
        case "::": "[::1]"
        case let host where host.contains(":"): "[\(host)]"
        case let host: host
        }
        guard let files = config.listen.tls.admin else { return ("http://\(host):\(admin.port)/status", nil) }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(caCertificate ?? files.certificate)
        // The configured certificate is pinned as the only root; it need not name the loopback address.
        if caCertificate == nil { tls.certificateVerification = .noHostnameVerification }
        return ("https://\(host):\(admin.port)/status", tls)
    }

    func run() async throws {
        let (url, tls) = try target()
        var configuration = HTTPClient.Configuration()
        configuration.tlsConfiguration = tls
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let code: Int
        let body: String
        do {
            let response = try await client.execute(
                HTTPClientRequest(url: url), timeout: .milliseconds(Int64(timeout * 1000)))
            code = Int(response.status.code)
            body = String(buffer: try await response.body.collect(upTo: 16 << 20))
            try? await client.shutdown()
        } catch {
            try? await client.shutdown()
            ConfigReport.printError("ayaka-edge status: cannot reach \(url): \(error) (is the proxy running?)")
            throw ExitCode(1)
        }
        guard code == 200 else {
            ConfigReport.printError("ayaka-edge status: \(url) answered HTTP \(code)")
            throw ExitCode(1)
        }
        print(body, terminator: "")
    }
}
