import EdgeCore
import Testing

@Suite("ConfigLoader: valid configs")
struct ConfigLoaderTests {
    @Test("an empty file, or one with only comments, is the built-in defaults")
    func emptyFileIsDefaults() throws {
        #expect(loadConfig("") == EdgeConfig())
        #expect(loadConfig("# nothing here\n") == EdgeConfig())
        #expect(try ConfigLoader.defaults(environment: [:]) == EdgeConfig())
    }

    @Test("empty sections keep every default")
    func emptySections() {
        let yaml = """
            listen:
            gateway: {}
            rate_limits:
              global: {}
            """
        #expect(loadConfig(yaml) == EdgeConfig())
    }

    @Test("a partial section keeps the defaults of the keys it leaves out")
    func partialSection() {
        let yaml = """
            gateway:
              ping_interval: 5s
            rate_limits:
              global: {limit: 100}
            """
        var expected = EdgeConfig()
        expected.gateway.pingInterval = .seconds(5)
        expected.rateLimits.global.limit = 100
        #expect(loadConfig(yaml) == expected)
    }

    @Test("the contract's example config loads with every value")
    func contractExample() throws {
        let yaml = """
            listen: {rest: 127.0.0.1:8080, gateway: 127.0.0.1:8081, admin: 127.0.0.1:9090}
            upstreams:                       # omit both to run the embedded reference backend
              rest: [http://127.0.0.1:7070]  # one or more servers
              gateway: [ws://127.0.0.1:7071]
            client_ip:
              trusted_proxies: []
            rate_limits:
              store: memory
              on_store_failure: local
              global: {limit: 50, per: 1s}
              default: {limit: 30, per: 10s}
              routes:
                - {name: users.create, method: POST, path: /users/@me, limit: 5, per: 1m}
                - {name: guilds.edit, method: PATCH, path: "/guilds/{guild_id}", limit: 10, per: 10s}
            gateway:
              public_url: ws://127.0.0.1:8081
              ping_interval: 20s
              ping_timeout: 20s
              max_connections_per_ip: 10
              messages: {limit: 120, per: 60s}
            metrics:
              database: data/metrics.sqlite
              flush_interval: 1s
              retention: 7d
            backend:
              listen: {rest: 127.0.0.1:7070, gateway: 127.0.0.1:7071}
              database: data/ayaka.sqlite
            """
        let config = try #require(loadConfig(yaml))
        #expect(config.upstreams.rest == [UpstreamURL(scheme: .http, host: "127.0.0.1", port: 7070)])
        #expect(config.upstreams.gateway == [UpstreamURL(scheme: .ws, host: "127.0.0.1", port: 7071)])
        #expect(!config.upstreams.usesEmbeddedBackend)
        #expect(config.gateway.publicURL == "ws://127.0.0.1:8081")
        #expect(config.rateLimits.routes == [
            RouteRule(method: "POST", path: "/users/@me",
                      rule: RateLimitRule(name: "users.create", limit: 5, per: .minutes(1))),
            RouteRule(method: "PATCH", path: "/guilds/{guild_id}",
                      rule: RateLimitRule(name: "guilds.edit", limit: 10, per: .seconds(10))),
        ])
    }

    @Test("every section's values are read into their typed fields")
    func everyField() throws {
        let yaml = """
            listen: {rest: "[::1]:8000", gateway: "localhost:0", admin: 0.0.0.0:9999}
            upstreams:
              rest: [http://10.0.0.5:7070, https://api.example.com]
              gateway: ["wss://gw.example.com/socket"]
            client_ip:
              trusted_proxies: [10.0.0.0/8, "2001:db8::/32", 192.168.1.1]
            rate_limits:
              store: redis://cache:6379/2
              on_store_failure: deny
              global: {limit: 1_000, per: 1h, algorithm: token_bucket, dry_run: true}
              default: {limit: 7, per: 1d, algorithm: sliding_window}
              max_buckets: 5000
            gateway:
              ping_interval: 1m
              ping_timeout: 30s
              max_connections_per_ip: 3
              messages: {limit: 10, per: 1s}
              max_message_size: 64k
            metrics: {enabled: false, database: /var/lib/edge/m.sqlite, flush_interval: 5s, retention: 30d}
            backend: {listen: {rest: 127.0.0.1:17070, gateway: 127.0.0.1:17071}, database: b.sqlite}
            proxy:
              connect_timeout: 250ms
              read_timeout: 2m
              idle_timeout: 90s
              max_body_size: 1048576
              max_header_size: 16K
              max_idle_upstream_connections: 0
            admin: {token: "s3cret"}
            """
        let config = try #require(loadConfig(yaml))
        #expect(config.listen.rest == HostPort(host: "::1", port: 8000))
        #expect(config.listen.gateway == HostPort(host: "localhost", port: 0))
        #expect(config.listen.admin == HostPort(host: "0.0.0.0", port: 9999))
        #expect(config.upstreams.rest.map(\.description) == ["http://10.0.0.5:7070", "https://api.example.com:443"])
        #expect(config.upstreams.gateway
                == [UpstreamURL(scheme: .wss, host: "gw.example.com", port: 443, path: "/socket")])
        #expect(config.clientIP.trustedProxies.map(\.description) == ["10.0.0.0/8", "2001:db8::/32", "192.168.1.1/32"])
        #expect(config.rateLimits.store == .redis(url: "redis://cache:6379/2"))
        #expect(config.rateLimits.onStoreFailure == .deny)
        #expect(config.rateLimits.global == RateLimitRule(
            name: "GLOBAL", limit: 1000, per: .hours(1), algorithm: .tokenBucket, dryRun: true))
        #expect(config.rateLimits.default == RateLimitRule(
            name: "default", limit: 7, per: .days(1), algorithm: .slidingWindow))
        #expect(config.rateLimits.maxBuckets == 5000)
        #expect(config.rateLimits.routes == EdgeConfig.defaultRoutes)
        #expect(config.gateway.pingInterval == .minutes(1))
        #expect(config.gateway.pingTimeout == .seconds(30))
        #expect(config.gateway.maxConnectionsPerIP == 3)
        #expect(config.gateway.messages == RateLimitRule(name: "gateway.messages", limit: 10, per: .seconds(1)))
        #expect(config.gateway.maxMessageSize == 65536)
        #expect(config.metrics.enabled == false)
        #expect(config.metrics.database == "/var/lib/edge/m.sqlite")
        #expect(config.metrics.flushInterval == .seconds(5))
        #expect(config.metrics.retention == .days(30))
        #expect(config.backend.listenREST == HostPort(host: "127.0.0.1", port: 17070))
        #expect(config.backend.listenGateway == HostPort(host: "127.0.0.1", port: 17071))
        #expect(config.backend.database == "b.sqlite")
        #expect(config.proxy.connectTimeout == .milliseconds(250))
        #expect(config.proxy.readTimeout == .minutes(2))
        #expect(config.proxy.idleTimeout == .seconds(90))
        #expect(config.proxy.maxBodySize == 1 << 20)
        #expect(config.proxy.maxHeaderSize == 16 << 10)
        #expect(config.proxy.maxIdleUpstreamConnections == 0)
        #expect(config.admin.token == "s3cret")
    }

    @Test("explicit `routes: []` (or an empty `routes:`) means no route rules")
    func emptyRoutes() throws {
        #expect(try #require(loadConfig("rate_limits: {routes: []}")).rateLimits.routes.isEmpty)
        #expect(try #require(loadConfig("rate_limits:\n  routes:\n")).rateLimits.routes.isEmpty)
    }

    @Test("a route without method matches any method; methods are read in any case")
    func routeMethods() throws {
        let yaml = """
            rate_limits:
              routes:
                - {name: any, path: /a, limit: 1, per: 1s}
                - {name: lower, method: post, path: /a, limit: 2, per: 1s, algorithm: token_bucket, dry_run: yes}
            """
        let routes = try #require(loadConfig(yaml)).rateLimits.routes
        #expect(routes.map(\.method) == [nil, "POST"])
        #expect(routes[1].rule == RateLimitRule(name: "lower", limit: 2, per: .seconds(1),
                                                algorithm: .tokenBucket, dryRun: true))
    }

    @Test("shadow rules are dry-run, named <route>~<limit>/<per> unless named, with the route's algorithm")
    func shadows() throws {
        let yaml = """
            rate_limits:
              routes:
                - name: users.create
                  method: POST
                  path: /users/@me
                  limit: 5
                  per: 1m
                  algorithm: sliding_window
                  shadows:
                    - {limit: 3, per: 1m}
                    - {limit: 10, per: 1h, algorithm: token_bucket, name: users.create.hourly}
            """
        let route = try #require(loadConfig(yaml)?.rateLimits.routes.first)
        #expect(route.shadows == [
            RateLimitRule(name: "users.create~3/1m", limit: 3, per: .minutes(1),
                          algorithm: .slidingWindow, dryRun: true),
            RateLimitRule(name: "users.create.hourly", limit: 10, per: .hours(1),
                          algorithm: .tokenBucket, dryRun: true),
        ])
    }

    @Test("null optional strings are unset; quoted numbers read as numbers")
    func nullsAndQuotedNumbers() throws {
        let yaml = "gateway: {public_url: ~, max_connections_per_ip: \"4\"}\nadmin: {token: null}"
        let config = try #require(loadConfig(yaml))
        #expect(config.gateway.publicURL == nil)
        #expect(config.gateway.maxConnectionsPerIP == 4)
        #expect(config.admin.token == nil)
    }

    @Test("a non-loopback admin listener is accepted once it has a token")
    func adminWithToken() throws {
        let config = try #require(loadConfig("listen: {admin: 0.0.0.0:9090}\nadmin: {token: abc}"))
        #expect(config.listen.admin.host == "0.0.0.0")
    }

    @Test("backend listeners may reuse proxy ports when upstreams are configured (the backend does not run)")
    func backendPortsWithUpstreams() {
        let yaml = """
            upstreams: {rest: [http://10.0.0.1:80]}
            backend: {listen: {rest: 127.0.0.1:8080}}
            """
        #expect(loadConfig(yaml) != nil)
    }

    @Test("port 0 never clashes: tests bind every listener to a free port")
    func portZero() {
        let yaml = """
            listen: {rest: 127.0.0.1:0, gateway: 127.0.0.1:0, admin: 127.0.0.1:0}
            backend: {listen: {rest: 127.0.0.1:0, gateway: 127.0.0.1:0}}
            """
        #expect(loadConfig(yaml) != nil)
    }

    @Test("every overridable key path is public and in documented order")
    func keyPaths() {
        let paths = ConfigLoader.keyPaths
        #expect(paths.first == "listen")
        #expect(paths.contains("rate_limits.global.limit"))
        #expect(paths.contains("backend.listen.gateway"))
        #expect(paths.contains("proxy.max_idle_upstream_connections"))
        #expect(Set(paths).count == paths.count)
    }
}
