import EdgeCore
import Foundation
import Testing

@Suite("Config/ayaka-edge.yaml")
struct DefaultConfigFileTests {
    /// The repository's `Config/ayaka-edge.yaml`, found from this file's path (Tests/EdgeCoreTests/...).
    static func defaultFileText() throws -> String {
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let file = repository.appendingPathComponent("Config/ayaka-edge.yaml")
        return try String(contentsOf: file, encoding: .utf8)
    }

    @Test("the documented default file is exactly the built-in defaults")
    func fileEqualsBuiltInDefaults() throws {
        let text = try Self.defaultFileText()
        let config = try ConfigLoader.load(yaml: text, file: "Config/ayaka-edge.yaml", environment: [:])
        #expect(config == EdgeConfig())
        #expect(config.rateLimits.routes == EdgeConfig.defaultRoutes)
    }

    @Test("the documented default file writes every key out")
    func fileHasEveryKey() throws {
        let text = try Self.defaultFileText()
        for path in ConfigLoader.keyPaths {
            let key = String(path.split(separator: ".").last!)
            #expect(text.contains("\(key):"), "Config/ayaka-edge.yaml does not write \(path)")
        }
    }
}
