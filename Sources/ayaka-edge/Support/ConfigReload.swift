import EdgeCore
import EdgeMetrics
import EdgeProxy
import Foundation
import Logging

/// SIGHUP and `POST /admin/reload`: read the config file again, check it like `check-config`, and put it in
/// force; an invalid file is reported (log, `/status`, the admin response) and the old config stays.
struct ConfigReload: Sendable {
    let path: String?
    let proxy: EdgeProxyService
    /// The admin listener's certificate (`listen.tls.admin`), re-read on every reload; nil when it is plaintext.
    var adminTLS: TLSContextProvider? = nil
    let state: ConfigState
    let logger: Logger

    func run() async -> AdminActionResult {
        let config: EdgeConfig
        do {
            config = try ConfigFile.load(path).0
        } catch {
            let problems = "\(error)"
            state.reloadFailed(problems)
            logger.error("reload rejected: the old configuration stays in force", metadata: ["problems": "\(problems)"])
            return AdminActionResult(status: 400, json: Self.json(code: 400, message: "invalid configuration", problems))
        }
        // Read before anything is put in force: a bad admin certificate fails the reload as a bad REST or
        // gateway one does. Turning admin TLS on or off is a restart (reported by the proxy's reload).
        var adminCredentials: TLSContextProvider.Credentials?
        if let adminTLS, let files = config.listen.tls.admin {
            do {
                adminCredentials = try TLSContextProvider.Credentials(files: files)
            } catch {
                return failed(error, keeping: adminTLS.files)
            }
        }
        do {
            let outcome = try await proxy.reload(to: config.withEmbeddedBackendUpstreams)
            if let adminCredentials { adminTLS?.install(adminCredentials) }
            let restart = outcome.needsRestart.map { "\"\($0)\"" }.joined(separator: ", ")
            return AdminActionResult(
                status: 200, json: "{\"generation\": \(outcome.generation), \"needs_restart\": [\(restart)]}")
        } catch {
            return failed(error)
        }
    }

    private func failed(_ error: any Error, keeping adminFiles: EdgeConfig.TLSFiles? = nil) -> AdminActionResult {
        state.reloadFailed("\(error)")
        var metadata: Logger.Metadata = ["error": "\(error)"]
        if let adminFiles { metadata["admin_certificate"] = "\(adminFiles.certificate)" }
        logger.error("reload failed: the old configuration stays in force", metadata: metadata)
        return AdminActionResult(status: 500, json: Self.json(code: 500, message: "reload failed", "\(error)"))
    }

    private static func json(code: Int, message: String, _ detail: String) -> String {
        let object: [String: Any] = ["code": code, "message": message, "problems": detail.split(separator: "\n").map(String.init)]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
