@testable import EdgeCore
import Testing

@Suite("Config value rules: sizes, integers, templates, suggestions")
struct ConfigValueParsingTests {
    @Test("sizes: bytes, or k, m, g suffixes (1024-based, either case)", arguments: [
        ("1", 1), ("65536", 65536), ("64k", 65536), ("64K", 65536), ("8m", 8 << 20), ("1g", 1 << 30), ("0", 0),
    ])
    func sizes(text: String, bytes: Int) {
        #expect(ConfigScalars.size(text) == bytes)
    }

    @Test("bad sizes", arguments: ["", "k", "8mb", "8 m", "-1", "1.5m", "8t", "999999999999999g", "0x10"])
    func badSizes(text: String) {
        #expect(ConfigScalars.size(text) == nil)
    }

    @Test("integers allow a sign and _ between digits")
    func integers() {
        #expect(ConfigScalars.integer("1_000_000") == 1_000_000)
        #expect(ConfigScalars.integer("-3") == -3)
        #expect(ConfigScalars.integer("+3") == 3)
        for bad in ["", "_1", "1_", "1.0", "0x10", "1e3", "٣", "- 3", "99999999999999999999"] {
            #expect(ConfigScalars.integer(bad) == nil, "\(bad)")
        }
    }

    @Test("valid route templates", arguments: [
        "/", "/users/@me", "/guilds/{guild_id}", "/guilds/{guild_id}/channels/{_c2}", "/a/b/", "/invites/{InviteCode}",
    ])
    func templates(template: String) {
        #expect(ConfigScalars.templateProblem(template) == nil)
    }

    @Test("templates compare by shape, whatever the parameters are called")
    func templateShape() {
        #expect(ConfigScalars.templateShape("/guilds/{id}/x") == ConfigScalars.templateShape("/guilds/{guild_id}/x"))
        #expect(ConfigScalars.templateShape("/guilds/{id}") != ConfigScalars.templateShape("/guilds/x"))
    }

    @Test("stores", arguments: [
        ("memory", true), ("redis://127.0.0.1:6379/0", true), ("redis://cache:6379", true),
        ("redis://:pw@cache:6379/1", true), ("redis://user:pw@[::1]:6379/15", true),
        ("Memory", false), ("redis://cache/0", false), ("redis://cache:0/0", false), ("redis://cache:6379/", false),
        ("redis://cache:6379/a", false), ("http://cache:6379/0", false), ("", false),
    ])
    func stores(text: String, valid: Bool) {
        #expect((ConfigScalars.storeProblem(text) == nil) == valid)
    }

    @Test("edit distance and suggestions")
    func suggestions() {
        #expect(KeySuggestion.editDistance("ping_intervall", "ping_interval") == 1)
        #expect(KeySuggestion.editDistance("", "abc") == 3)
        #expect(KeySuggestion.editDistance("kitten", "sitting") == 3)
        #expect(KeySuggestion.nearest(to: "LISTN", in: ["listen", "upstreams"]) == "listen")
        #expect(KeySuggestion.nearest(to: "rest", in: ["gateway", "admin"]) == nil)
        #expect(KeySuggestion.nearest(to: "per", in: ["limit", "per", "pep"]) == "per")
    }

    @Test("a problem renders as much location as it has")
    func problemLocation() {
        let noColumn = ConfigProblem(origin: .file("f.yaml"), line: 3, column: nil, keyPath: "a.b", value: nil,
                                     message: "bad")
        #expect(noColumn.description == "f.yaml:3: a.b: bad")
        let noLine = ConfigProblem(origin: .file("f.yaml"), line: nil, column: nil, keyPath: "", value: "x",
                                   message: "bad")
        #expect(noLine.description == "f.yaml: bad (got 'x')")
        #expect(noLine.file == "f.yaml" && noLine.environmentVariable == nil)
    }
}
