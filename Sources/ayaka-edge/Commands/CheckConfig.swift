import ArgumentParser
import EdgeCore
import EdgeProxy
import Foundation

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a config file: exit 0 when valid, 1 with every problem listed.",
        discussion: """
            Each problem is one line: FILE:LINE:COLUMN: KEY.PATH: what is wrong (got 'VALUE').
            AYAKA_EDGE_* environment overrides are applied and checked too, and the listen.tls
            certificate and key files are read.
            """
    )

    @Argument(help: "The YAML config file to check.")
    var file: String

    func run() throws {
        let text: String
        do {
            text = try ConfigFile.read(file)
        } catch {
            ConfigReport.printError("\(error)")
            throw ExitCode(1)
        }
        do {
            let config = try ConfigLoader.load(
                yaml: text, file: file, environment: ProcessInfo.processInfo.environment,
                checkingTLSFiles: TLSContextProvider.check
            )
            print("\(file): valid")
            print(ConfigReport.summary(config))
        } catch {
            print("\(error)")
            throw ExitCode(1)
        }
    }
}
