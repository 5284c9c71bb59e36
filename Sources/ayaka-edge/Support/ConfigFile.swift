import EdgeCore
import EdgeProxy
import Foundation

/// Finds, reads and loads the config file (reading is the executable's job: EdgeCore does no I/O).
enum ConfigFile {
    static let defaultPath = "Config/ayaka-edge.yaml"

    /// `--config` when given, else `Config/ayaka-edge.yaml` when it exists in the working directory.
    static func resolvePath(_ explicit: String?) -> String? {
        if let explicit { return explicit }
        return FileManager.default.fileExists(atPath: defaultPath) ? defaultPath : nil
    }

    /// Loads the config; problems are thrown as `ConfigErrors` (every problem, with file and line). The
    /// `listen.tls` files are read and checked too (a missing, unreadable or mismatched file is a problem).
    static func load(_ explicit: String?) throws -> (EdgeConfig, source: String) {
        let environment = ProcessInfo.processInfo.environment
        guard let path = resolvePath(explicit) else {
            return (try ConfigLoader.defaults(environment: environment, checkingTLSFiles: TLSContextProvider.check),
                    "built-in defaults")
        }
        let text = try read(path)
        return (try ConfigLoader.load(yaml: text, file: path, environment: environment,
                                      checkingTLSFiles: TLSContextProvider.check), path)
    }

    static func read(_ path: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigFileError(path: path, reason: (error as NSError).localizedDescription)
        }
    }
}

struct ConfigFileError: Error, CustomStringConvertible {
    let path: String
    let reason: String
    var description: String { "\(path): cannot read the config file: \(reason)" }
}
