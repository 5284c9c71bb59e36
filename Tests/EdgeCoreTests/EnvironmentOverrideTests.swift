import EdgeCore
import Testing

@Suite("ConfigLoader: AYAKA_EDGE_* environment overrides")
struct EnvironmentOverrideTests {
    @Test("a single value overrides one key and leaves the rest of its rule alone")
    func scalar() throws {
        let config = try ConfigLoader.defaults(environment: ["AYAKA_EDGE_RATE_LIMITS_GLOBAL_LIMIT": "100"])
        #expect(config.rateLimits.global == RateLimitRule(name: "GLOBAL", limit: 100, per: .seconds(1)))
    }

    @Test("the environment wins over the file; the file's other keys stay")
    func winsOverFile() throws {
        let yaml = "listen:\n  rest: 127.0.0.1:1000\n  gateway: 127.0.0.1:1001"
        let config = try #require(loadConfig(yaml, environment: ["AYAKA_EDGE_LISTEN_REST": "127.0.0.1:2000"]))
        #expect(config.listen.rest == HostPort(host: "127.0.0.1", port: 2000))
        #expect(config.listen.gateway == HostPort(host: "127.0.0.1", port: 1001))
    }

    @Test("single values are taken as written: IPv6 brackets and secrets need no YAML quoting")
    func verbatimScalars() throws {
        let config = try ConfigLoader.defaults(environment: [
            "AYAKA_EDGE_LISTEN_REST": "[::1]:8080",
            "AYAKA_EDGE_ADMIN_TOKEN": "s3c: r#t {x}",
            "AYAKA_EDGE_METRICS_DATABASE": "\"/tmp/m.sqlite\"",
            "AYAKA_EDGE_METRICS_ENABLED": "false",
        ])
        #expect(config.listen.rest == HostPort(host: "::1", port: 8080))
        #expect(config.admin.token == "s3c: r#t {x}")
        #expect(config.metrics.database == "/tmp/m.sqlite")
        #expect(config.metrics.enabled == false)
    }

    @Test("an empty value or null unsets an optional key")
    func nullValues() throws {
        let yaml = "gateway: {public_url: ws://edge.example.com:443}\nadmin: {token: abc}"
        let config = try #require(loadConfig(yaml, environment: [
            "AYAKA_EDGE_GATEWAY_PUBLIC_URL": "", "AYAKA_EDGE_ADMIN_TOKEN": "null",
        ]))
        #expect(config.gateway.publicURL == nil)
        #expect(config.admin.token == nil)
    }

    @Test("lists: YAML flow lists or plain comma-separated values")
    func lists() throws {
        let config = try ConfigLoader.defaults(environment: [
            "AYAKA_EDGE_UPSTREAMS_REST": "[http://a:1, http://b:2]",
            "AYAKA_EDGE_UPSTREAMS_GATEWAY": "ws://a:3, ws://b:4",
            "AYAKA_EDGE_CLIENT_IP_TRUSTED_PROXIES": "10.0.0.0/8,2001:db8::/32",
        ])
        #expect(config.upstreams.rest.map(\.description) == ["http://a:1", "http://b:2"])
        #expect(config.upstreams.gateway.map(\.description) == ["ws://a:3", "ws://b:4"])
        #expect(config.clientIP.trustedProxies.map(\.description) == ["10.0.0.0/8", "2001:db8::/32"])
        let empty = try ConfigLoader.defaults(environment: ["AYAKA_EDGE_CLIENT_IP_TRUSTED_PROXIES": ""])
        #expect(empty.clientIP.trustedProxies.isEmpty)
    }

    @Test("the environment's list replaces the file's list as a whole")
    func listReplaces() throws {
        let yaml = "upstreams: {rest: [http://a:1, http://b:2]}"
        let config = try #require(loadConfig(yaml, environment: ["AYAKA_EDGE_UPSTREAMS_REST": "http://c:3"]))
        #expect(config.upstreams.rest.map(\.description) == ["http://c:3"])
    }

    @Test("mappings: a flow list of route rules, and a section merged key by key into the file's")
    func mappings() throws {
        let routes = "[{name: a, method: GET, path: /a, limit: 1, per: 1s}, {name: b, path: /b, limit: 2, per: 1m}]"
        let yaml = "gateway:\n  ping_timeout: 7s\n  ping_interval: 9s"
        let config = try #require(loadConfig(yaml, environment: [
            "AYAKA_EDGE_RATE_LIMITS_ROUTES": routes,
            "AYAKA_EDGE_GATEWAY": "{ping_interval: 5s, messages: {limit: 3}}",
        ]))
        #expect(config.rateLimits.routes.map(\.name) == ["a", "b"])
        #expect(config.rateLimits.routes[1].method == nil)
        #expect(config.gateway.pingInterval == .seconds(5))
        #expect(config.gateway.pingTimeout == .seconds(7))
        #expect(config.gateway.messages == RateLimitRule(name: "gateway.messages", limit: 3, per: .seconds(60)))
    }

    @Test("a key's own variable wins over its section's variable")
    func specificWins() throws {
        let config = try ConfigLoader.defaults(environment: [
            "AYAKA_EDGE_LISTEN": "{rest: 127.0.0.1:1, gateway: 127.0.0.1:2}",
            "AYAKA_EDGE_LISTEN_REST": "127.0.0.1:3",
        ])
        #expect(config.listen.rest.port == 3)
        #expect(config.listen.gateway.port == 2)
    }

    @Test("an unknown AYAKA_EDGE_ variable is a problem, with a suggestion, its value never shown")
    func unknownVariable() throws {
        let error = try #require(throws: ConfigErrors.self) {
            try ConfigLoader.defaults(environment: ["AYAKA_EDGE_RATE_LIMIT_GLOBAL_LIMIT": "secret-ish"])
        }
        let problem = try #require(error.problems.first)
        #expect(error.problems.count == 1)
        #expect(problem.environmentVariable == "AYAKA_EDGE_RATE_LIMIT_GLOBAL_LIMIT")
        #expect(problem.line == nil && problem.column == nil)
        #expect(problem.message.contains("did you mean AYAKA_EDGE_RATE_LIMITS_GLOBAL_LIMIT?"))
        #expect(!error.description.contains("secret-ish"))
        #expect(error.description.hasPrefix("environment AYAKA_EDGE_RATE_LIMIT_GLOBAL_LIMIT: unknown setting"))
    }

    @Test("AYAKA_EDGE_CONFIG, AYAKA_EDGE_REDIS_PASSWORD and other prefixes are left alone")
    func ignoredVariables() throws {
        let config = try ConfigLoader.defaults(environment: [
            "AYAKA_EDGE_CONFIG": "/etc/edge.yaml", "AYAKA_EDGE_REDIS_PASSWORD": "pw",
            "PATH": "/usr/bin", "AYAKA_EDGEX": "1",
        ])
        #expect(config == EdgeConfig())
        #expect(ConfigLoader.reservedEnvironmentVariables == ["AYAKA_EDGE_CONFIG", "AYAKA_EDGE_REDIS_PASSWORD"])
    }

    @Test("a bad value from the environment names the variable and the key path")
    func badValue() throws {
        let yaml = "rate_limits:\n  global: {per: 1s}"
        let problems = configProblems(yaml, environment: ["AYAKA_EDGE_RATE_LIMITS_GLOBAL_PER": "soon"])
        let problem = try #require(problems.first)
        #expect(problems.count == 1)
        #expect(problem.environmentVariable == "AYAKA_EDGE_RATE_LIMITS_GLOBAL_PER")
        #expect(problem.keyPath == "rate_limits.global.per")
        #expect(problem.description.hasPrefix("environment AYAKA_EDGE_RATE_LIMITS_GLOBAL_PER: rate_limits.global.per: "
                                               + "expected a duration"))
        #expect(problem.description.hasSuffix("(got 'soon')"))
    }

    @Test("problems inside an environment mapping point at the variable")
    func badMapping() throws {
        let problems = configProblems("", environment: [
            "AYAKA_EDGE_RATE_LIMITS_ROUTES": "[{name: a, path: a, limit: 1, per: 1s, foo: 1}]",
            "AYAKA_EDGE_GATEWAY": "{ping_interval: [",
        ])
        #expect(problems.map(\.keyPath) == ["", "rate_limits.routes[0].foo", "rate_limits.routes[0].path"])
        #expect(problems.map(\.environmentVariable) == [
            "AYAKA_EDGE_GATEWAY", "AYAKA_EDGE_RATE_LIMITS_ROUTES", "AYAKA_EDGE_RATE_LIMITS_ROUTES",
        ])
        #expect(problems[0].message.hasPrefix("YAML syntax error"))
    }

    @Test("file problems come first, then environment problems")
    func problemOrder() {
        let problems = configProblems("listen: {rest: nope}", environment: ["AYAKA_EDGE_PROXY_READ_TIMEOUT": "0s"])
        #expect(problems.map(\.location) == ["test.yaml:1:16", "environment AYAKA_EDGE_PROXY_READ_TIMEOUT"])
    }

    @Test("a non-loopback admin address from the environment needs a token, which may come from there too")
    func adminFromEnvironment() throws {
        let problems = configProblems("", environment: ["AYAKA_EDGE_LISTEN_ADMIN": "0.0.0.0:9090"])
        #expect(problems.map(\.environmentVariable) == ["AYAKA_EDGE_LISTEN_ADMIN"])
        let config = try ConfigLoader.defaults(environment: [
            "AYAKA_EDGE_LISTEN_ADMIN": "0.0.0.0:9090", "AYAKA_EDGE_ADMIN_TOKEN": "t",
        ])
        #expect(config.admin.token == "t")
    }

    @Test("every key path has its own variable, derived from the schema")
    func variableNames() {
        let names = ConfigLoader.keyPaths.compactMap(ConfigLoader.environmentVariable(forKeyPath:))
        #expect(names.count == ConfigLoader.keyPaths.count)
        #expect(Set(names).count == names.count)
        #expect(ConfigLoader.environmentVariable(forKeyPath: "rate_limits.global.limit")
                == "AYAKA_EDGE_RATE_LIMITS_GLOBAL_LIMIT")
        #expect(ConfigLoader.environmentVariable(forKeyPath: "listen.rest") == "AYAKA_EDGE_LISTEN_REST")
        #expect(ConfigLoader.environmentVariable(forKeyPath: "backend.listen.rest") == "AYAKA_EDGE_BACKEND_LISTEN_REST")
        #expect(ConfigLoader.environmentVariable(forKeyPath: "listen.nothing") == nil)
    }
}
