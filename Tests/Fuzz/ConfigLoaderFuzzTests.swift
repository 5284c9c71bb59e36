import EdgeCore
import Foundation
import PropertyBased
import Testing

/// Random and mutated YAML (and `AYAKA_EDGE_*` overrides) through `ConfigLoader.load`: it must never crash
/// or hang; it returns a config or throws every problem, each with a key path or a line and a message.
@Suite struct ConfigLoaderFuzzTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The documented default file, the production example and small fragments.
    static let corpus: [[UInt8]] = {
        var texts = ["Config/ayaka-edge.yaml", "Config/production.yaml"].compactMap {
            try? String(contentsOf: repository.appendingPathComponent($0), encoding: .utf8)
        }
        texts += [
            "listen: {rest: 127.0.0.1:8080, proxy_protocol: {rest: true}, tls: {rest: {certificate: a, key: b}}}\n"
                + "client_ip: {trusted_proxies: [10.0.0.0/8]}\n",
            "rate_limits:\n  routes:\n    - {name: a, method: GET, path: \"/x/{id}\", limit: 5, per: 1s, shadows: [{limit: 1, per: 1m}]}\n",
            "gateway: {ping_interval: 20s, messages: {limit: 1, per: 1d, algorithm: token_bucket}}\n",
            "proxy: {connect_timeout: 250ms, max_body_size: 8m}\nadmin: {token: secret}\n",
            "",
        ]
        return texts.map { Array($0.utf8) }
    }()

    static let tokens: [[UInt8]] = [
        "\n", ": ", "- ", "{", "}", "[", "]", ",", "#", "\"", "'", "&a ", "*a", "<<: *a\n", "!!binary ", "~", "null",
        "-1", "0", "1e9", "99999999999999999999", "10x", "0ms", "::", "[::1]:0", "0.0.0.0:0", "redis://:p@h:1/99",
        "true", "yes", "  ", "\t", "%YAML 1.1\n", "---\n", "...\n", "listen:", "rest", "tls", "proxy_protocol",
        "routes:", "{limit: 1, per: 1s}", "\u{FEFF}", "é", "\0",
    ].map { Array($0.utf8) }

    static let keyPaths = ConfigLoader.keyPaths

    @Test func mutatedAndRandomYAML() async {
        let inputs = Fuzz.Tally()
        let started = ContinuousClock.now
        await propertyCheck(
            count: Fuzz.count,
            input: Gen.int(in: 0...(Self.corpus.count)), Fuzz.mutations, Fuzz.noise,
            Gen.int(in: 0...(Self.keyPaths.count + 3)), Gen.int(in: 0...(Self.tokens.count - 1))
        ) { index, mutations, noise, overrideKey, overrideValue in
            inputs.add()
            let base = index < Self.corpus.count ? Self.corpus[index] : noise
            let yaml = String(decoding: Fuzz.mutate(base, with: mutations, tokens: Self.tokens), as: UTF8.self)
            var environment: [String: String] = [:]
            if overrideKey < Self.keyPaths.count,
               let name = ConfigLoader.environmentVariable(forKeyPath: Self.keyPaths[overrideKey]) {
                environment[name] = String(decoding: Self.tokens[overrideValue], as: UTF8.self)
            } else if overrideKey == Self.keyPaths.count {
                environment["AYAKA_EDGE_LISTEN_TSL"] = "x"  // unknown variable
            }
            do {
                _ = try ConfigLoader.load(yaml: yaml, file: "fuzz.yaml", environment: environment)
            } catch let error as ConfigErrors {
                #expect(!error.problems.isEmpty)
                for problem in error.problems { #expect(!problem.message.isEmpty) }
            } catch {
                Issue.record("unexpected error type: \(error)")
            }
        }
        Fuzz.report("config loader", inputs: inputs.count, since: started)
    }

    @Test func deepNestingIsAProblemNotACrash() {
        for depth in [100, 1_000, 10_000] {
            let yaml = "listen: " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            #expect(throws: ConfigErrors.self) {
                try ConfigLoader.load(yaml: yaml, file: "deep.yaml", environment: [:])
            }
        }
    }
}
