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
        do {
            let outcome = try await proxy.reload(to: config.withEmbeddedBackendUpstreams)
            let restart = outcome.needsRestart.map { "\"\($0)\"" }.joined(separator: ", ")
            return AdminActionResult(
                status: 200, json: "{\"generation\": \(outcome.generation), \"needs_restart\": [\(restart)]}")
        } catch {
            state.reloadFailed("\(error)")
            logger.error("reload failed: the old configuration stays in force", metadata: ["error": "\(error)"])
            return AdminActionResult(status: 500, json: Self.json(code: 500, message: "reload failed", "\(error)"))
        }
    }

    private static func json(code: Int, message: String, _ detail: String) -> String {
        let object: [String: Any] = ["code": code, "message": message, "problems": detail.split(separator: "\n").map(String.init)]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
