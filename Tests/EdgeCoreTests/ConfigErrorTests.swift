import EdgeCore
import Testing

@Suite("ConfigLoader: problems, with line and key path")
struct ConfigErrorTests {
    @Test("a YAML syntax error is reported with its line")
    func syntaxError() throws {
        let yaml = """
            gateway:
              ping_interval: 20s
              ping_timeout: [20s
            metrics: {}
            """
        let problem = try #require(singleProblem(yaml))
        #expect(problem.keyPath == "")
        #expect(problem.message.hasPrefix("YAML syntax error"))
        #expect(problem.line == 4)
        #expect(problem.file == "test.yaml")
    }

    @Test("a duplicate YAML key is reported with its line")
    func duplicateKey() {
        let yaml = """
            gateway:
              ping_interval: 20s
              ping_interval: 30s
            """
        expectProblem(yaml, keyPath: "", line: 3, message: "duplicate key 'ping_interval'")
    }

    @Test("the document must be a mapping")
    func rootNotMapping() {
        expectProblem("- listen", keyPath: "", line: 1, message: "expected a mapping")
    }

    @Test("wrong node types: a mapping, a list or a single value where another is expected")
    func wrongNodeTypes() {
        expectProblem("listen: 8080", keyPath: "listen", line: 1,
                      message: "expected a mapping (keys: rest, gateway, admin, proxy_protocol, tls, tls_handshake_timeout), "
                          + "not a single value")
        expectProblem("upstreams:\n  rest: http://a:1", keyPath: "upstreams.rest", line: 2, message: "expected a list")
        expectProblem("rate_limits:\n  global: {limit: [1]}", keyPath: "rate_limits.global.limit", line: 2,
                      message: "expected a positive integer, not a list")
        expectProblem("gateway:\n  ping_interval:", keyPath: "gateway.ping_interval", line: 2, message: "needs a value")
        expectProblem("rate_limits: {routes: {name: a}}", keyPath: "rate_limits.routes", line: 1,
                      message: "expected a list of route rules, not a mapping")
    }

    @Test("an unknown key is reported at the key, with a suggestion when one is close")
    func unknownKeys() throws {
        let yaml = """
            gateway:
              ping_intervall: 20s
            """
        expectProblem(yaml, keyPath: "gateway.ping_intervall", line: 2, message: "did you mean 'ping_interval'?")
        let problem = try #require(singleProblem(yaml))
        #expect(problem.column == 3)

        expectProblem("listn: {}", keyPath: "listn", line: 1, message: "did you mean 'listen'?")
        expectProblem("bananas: 1", keyPath: "bananas", line: 1, message: "valid keys here: listen, upstreams")
        expectProblem("rate_limits:\n  routes:\n    - {name: a, path: /a, limit: 1, per: 1s, methd: GET}",
                      keyPath: "rate_limits.routes[0].methd", line: 3, message: "did you mean 'method'?")
    }

    @Test("bad durations: no unit, spaces, fractions, unknown units, ms outside proxy timeouts")
    func badDurations() {
        for bad in ["10", "10 s", "1.5m", "s", "10w", "-5s"] {
            expectProblem("rate_limits:\n  global: {per: \"\(bad)\"}", keyPath: "rate_limits.global.per", line: 2,
                          message: "expected a duration: an integer and a unit s, m, h or d")
        }
        expectProblem("rate_limits:\n  global: {per: 250ms}", keyPath: "rate_limits.global.per", line: 2,
                      message: "milliseconds are only accepted for proxy timeouts")
        expectProblem("proxy:\n  read_timeout: 1.5s", keyPath: "proxy.read_timeout", line: 2,
                      message: "a unit ms, s, m, h or d")
    }

    @Test("zero and negative limits and durations")
    func zeroAndNegative() {
        expectProblem("rate_limits:\n  global: {limit: 0}", keyPath: "rate_limits.global.limit", line: 2,
                      message: "must be greater than zero")
        expectProblem("rate_limits:\n  default: {limit: -3}", keyPath: "rate_limits.default.limit", line: 2,
                      message: "must be greater than zero")
        expectProblem("gateway:\n  messages: {per: 0s}", keyPath: "gateway.messages.per", line: 2,
                      message: "must be longer than zero")
        expectProblem("metrics:\n  retention: 0d", keyPath: "metrics.retention", line: 2, message: "longer than zero")
        expectProblem("gateway:\n  max_connections_per_ip: 0", keyPath: "gateway.max_connections_per_ip", line: 2,
                      message: "must be greater than zero")
        expectProblem("proxy:\n  max_idle_upstream_connections: -1", keyPath: "proxy.max_idle_upstream_connections",
                      line: 2, message: "must be at least 0")
        expectProblem("proxy:\n  max_body_size: 0k", keyPath: "proxy.max_body_size", line: 2,
                      message: "must be greater than zero")
        expectProblem("rate_limits:\n  max_buckets: 0", keyPath: "rate_limits.max_buckets", line: 2,
                      message: "must be greater than zero")
    }

    @Test("ping_interval and ping_timeout must not be zero")
    func pingZero() {
        expectProblem("gateway:\n  ping_interval: 0s", keyPath: "gateway.ping_interval", line: 2,
                      message: "must be longer than zero")
        expectProblem("gateway:\n  ping_timeout: 0m", keyPath: "gateway.ping_timeout", line: 2,
                      message: "must be longer than zero")
    }

    @Test("bad sizes")
    func badSizes() {
        for bad in ["lots", "8 m", "8mb", "1.5m", "-1"] {
            expectProblem("gateway:\n  max_message_size: \(bad)", keyPath: "gateway.max_message_size", line: 2,
                          message: "expected a size in bytes")
        }
    }

    @Test("bad host:port")
    func badHostPort() {
        for bad in ["127.0.0.1", "\":80\"", "1.2.3.4:70000", "localhost:http", "\"[::1:80\""] {
            expectProblem("listen:\n  rest: \(bad)", keyPath: "listen.rest", line: 2, message: "expected host:port")
        }
        expectProblem("backend:\n  listen:\n    gateway: nohost", keyPath: "backend.listen.gateway", line: 3,
                      message: "expected host:port")
    }

    @Test("bad URLs and wrong schemes for upstreams and the public gateway URL")
    func badURLs() {
        expectProblem("upstreams:\n  rest: [ws://a:1]", keyPath: "upstreams.rest[0]", line: 2,
                      message: "scheme must be http or https")
        expectProblem("upstreams:\n  gateway:\n    - ws://a:1\n    - http://b:2", keyPath: "upstreams.gateway[1]",
                      line: 4, message: "scheme must be ws or wss")
        expectProblem("upstreams:\n  rest: [not a url]", keyPath: "upstreams.rest[0]", line: 2,
                      message: "expected a URL like http://127.0.0.1:7070")
        expectProblem("upstreams:\n  rest: [\"http://a:1/?x=1\"]", keyPath: "upstreams.rest[0]", line: 2,
                      message: "expected a URL")
        expectProblem("gateway:\n  public_url: http://example.com", keyPath: "gateway.public_url", line: 2,
                      message: "scheme must be ws or wss")
    }

    @Test("bad CIDRs are reported one by one")
    func badCIDRs() {
        let problems = configProblems("client_ip:\n  trusted_proxies: [10.0.0.0/8, 10.0.0.0/33, banana]")
        #expect(problems.map(\.keyPath) == ["client_ip.trusted_proxies[1]", "client_ip.trusted_proxies[2]"])
        #expect(problems.allSatisfy { $0.line == 2 && $0.message.contains("expected an address block") })
        #expect(problems.map(\.value) == ["10.0.0.0/33", "banana"])
    }

    @Test("bad route templates")
    func badTemplates() {
        let cases: [(String, String)] = [
            ("users", "must start with '/'"),
            ("\"/a/{b\"", "unbalanced braces"),
            ("\"/a/b}\"", "unbalanced braces"),
            ("\"/a/{{b}}\"", "unbalanced braces"),
            ("\"/a/{1x}\"", "parameter '1x' must be a name"),
            ("\"/a/{}\"", "whole segment"),
            ("\"/a/x{b}\"", "whole segment"),
            ("\"/a?x=1\"", "query string"),
            ("\"/a/{b}/{b}\"", "appears twice"),
            ("\"/a b\"", "spaces"),
        ]
        for (template, message) in cases {
            expectProblem("rate_limits:\n  routes:\n    - {name: a, path: \(template), limit: 1, per: 1s}",
                          keyPath: "rate_limits.routes[0].path", line: 3, message: message)
        }
    }

    @Test("bad methods")
    func badMethods() {
        expectProblem("rate_limits:\n  routes:\n    - {name: a, method: FETCH, path: /a, limit: 1, per: 1s}",
                      keyPath: "rate_limits.routes[0].method", line: 3,
                      message: "expected one of GET POST PUT PATCH DELETE HEAD OPTIONS")
    }

    @Test("duplicate route names, shadow names included")
    func duplicateNames() {
        let yaml = """
            rate_limits:
              routes:
                - {name: a, path: /a, limit: 1, per: 1s}
                - {name: b, path: /b, limit: 1, per: 1s}
                - {name: a, path: /c, limit: 1, per: 1s}
            """
        expectProblem(yaml, keyPath: "rate_limits.routes[2].name", line: 5,
                      message: "duplicate rule name: rate_limits.routes[0].name already uses it")
        let shadowYAML = """
            rate_limits:
              routes:
                - {name: a, path: /a, limit: 1, per: 1s}
                - name: b
                  path: /b
                  limit: 1
                  per: 1s
                  shadows:
                    - {limit: 2, per: 1s, name: a}
            """
        expectProblem(shadowYAML, keyPath: "rate_limits.routes[1].shadows[0].name", line: 9,
                      message: "duplicate rule name")
    }

    @Test("duplicate (method, path) rules, whatever the parameters are called")
    func duplicateRules() {
        let yaml = """
            rate_limits:
              routes:
                - {name: a, method: GET, path: "/guilds/{guild_id}", limit: 1, per: 1s}
                - {name: b, method: POST, path: "/guilds/{guild_id}", limit: 1, per: 1s}
                - {name: c, path: "/guilds/{guild_id}", limit: 1, per: 1s}
                - {name: d, method: get, path: "/guilds/{id}", limit: 1, per: 1s}
            """
        expectProblem(yaml, keyPath: "rate_limits.routes[3].path", line: 6,
                      message: "duplicate rule: rate_limits.routes[0] already covers GET on this path")
    }

    @Test("a route needs name, path, limit and per")
    func missingRouteKeys() {
        let problems = configProblems("rate_limits:\n  routes:\n    - {method: GET}")
        #expect(problems.map(\.keyPath) == [
            "rate_limits.routes[0].name", "rate_limits.routes[0].path",
            "rate_limits.routes[0].limit", "rate_limits.routes[0].per",
        ])
        #expect(problems.allSatisfy { $0.line == 3 && $0.message.contains("missing required key") })
    }

    @Test("route names: no '/' or spaces, and GLOBAL and default are reserved")
    func badRuleNames() {
        expectProblem("rate_limits:\n  routes:\n    - {name: a/b, path: /a, limit: 1, per: 1s}",
                      keyPath: "rate_limits.routes[0].name", line: 3, message: "no '/' or spaces")
        expectProblem("rate_limits:\n  routes:\n    - {name: default, path: /a, limit: 1, per: 1s}",
                      keyPath: "rate_limits.routes[0].name", line: 3, message: "reserved for the default rule")
        expectProblem("rate_limits:\n  routes:\n    - {name: GLOBAL, path: /a, limit: 1, per: 1s}",
                      keyPath: "rate_limits.routes[0].name", line: 3, message: "reserved for the global rule")
    }

    @Test("unknown algorithms, stores and store-failure policies; bad booleans")
    func badChoices() {
        expectProblem("rate_limits:\n  global: {algorithm: leaky_bucket}", keyPath: "rate_limits.global.algorithm",
                      line: 2, message: "expected one of fixed_window, token_bucket, sliding_window")
        expectProblem("rate_limits:\n  on_store_failure: retry", keyPath: "rate_limits.on_store_failure", line: 2,
                      message: "expected one of local, allow, deny")
        expectProblem("metrics:\n  enabled: maybe", keyPath: "metrics.enabled", line: 2, message: "true or false")
        for bad in ["mongo", "redis://cache", "redis://cache:6379/x", "redis://:6379/0", "rediss://cache:6379/0"] {
            expectProblem("rate_limits:\n  store: \(bad)", keyPath: "rate_limits.store", line: 2,
                          message: "expected memory or redis://host:port/db")
        }
        #expect(loadConfig("rate_limits: {store: \"redis://:pw@cache:6379\"}")?.rateLimits.store
                == .redis(url: "redis://:pw@cache:6379"))
    }

    @Test("a Redis URL with a password is not echoed in problems")
    func storePasswordNotEchoed() throws {
        let problem = try #require(singleProblem("rate_limits: {store: \"redis://:hunter2@cache/x\"}"))
        #expect(problem.value == nil)
        #expect(!problem.description.contains("hunter2"))
    }

    @Test("two listeners on the same address")
    func sameAddress() {
        expectProblem("listen:\n  gateway: 127.0.0.1:8080", keyPath: "listen.gateway", line: 2,
                      message: "listen.rest uses the same address")
        expectProblem("listen:\n  admin: 0.0.0.0:8081\nadmin: {token: t}", keyPath: "listen.admin", line: 2,
                      message: "listen.gateway uses the same address")
        // The rest listener is written, the gateway one is the default: the problem points at what was written.
        expectProblem("listen:\n  rest: 127.0.0.1:8081", keyPath: "listen.rest", line: 2,
                      message: "listen.gateway uses the same address")
        // With no upstream the embedded backend runs beside the proxy.
        expectProblem("backend:\n  listen:\n    rest: 127.0.0.1:9090", keyPath: "backend.listen.rest", line: 3,
                      message: "listen.admin uses the same address")
        expectProblem("upstreams: {rest: [http://a:1]}\nbackend:\n  listen: {rest: 127.0.0.1:7071}",
                      keyPath: "backend.listen.rest", line: 3, message: "backend.listen.gateway uses the same address")
    }

    @Test("a non-loopback admin listener needs admin.token")
    func adminNeedsToken() {
        expectProblem("listen:\n  admin: 0.0.0.0:9090", keyPath: "listen.admin", line: 2,
                      message: "a non-loopback admin listener needs admin.token")
        expectProblem("listen:\n  admin: 10.1.2.3:9090\nadmin: {token: \"\"}", keyPath: "admin.token", line: 3,
                      message: "must not be empty")
        #expect(loadConfig("listen:\n  admin: \"[::1]:9090\"") != nil)
        #expect(loadConfig("listen:\n  admin: localhost:9090") != nil)
    }

    @Test("every problem is reported together, in line order, one line each")
    func multipleProblems() throws {
        let yaml = """
            listen:
              rest: 127.0.0.1
            gateway:
              ping_intervall: 20s
              ping_timeout: 0s
            rate_limits:
              routes:
                - {name: users.create, method: POST, path: /users/@me, limit: 0, per: 1m}
                - {name: users.create, method: GET, path: users, limit: 5, per: 1 minute}
            """
        let error = try #require(throws: ConfigErrors.self) {
            try ConfigLoader.load(yaml: yaml, file: "edge.yaml", environment: [:])
        }
        #expect(error.problems.map(\.keyPath) == [
            "listen.rest",
            "gateway.ping_intervall",
            "gateway.ping_timeout",
            "rate_limits.routes[0].limit",
            "rate_limits.routes[1].name",
            "rate_limits.routes[1].path",
            "rate_limits.routes[1].per",
        ])
        #expect(error.problems.map(\.line) == [2, 4, 5, 8, 9, 9, 9])
        let lines = error.description.split(separator: "\n")
        #expect(lines.count == 7)
        #expect(lines[0].hasPrefix("edge.yaml:2:9: listen.rest: expected host:port"))
        #expect(lines[0].hasSuffix("(got '127.0.0.1')"))
        #expect(lines[1] == "edge.yaml:4:3: gateway.ping_intervall: unknown key 'ping_intervall'; "
                + "did you mean 'ping_interval'?")
        #expect(lines[2] == "edge.yaml:5:17: gateway.ping_timeout: must be longer than zero (got '0s')")
    }

    @Test("problems in lists and mappings show the value abbreviated")
    func abbreviatedValues() throws {
        let problem = try #require(singleProblem("listen:\n  rest: [a, b]"))
        #expect(problem.value == "[a, b]")
        #expect(problem.description.hasSuffix("(got '[a, b]')"))
    }
}
