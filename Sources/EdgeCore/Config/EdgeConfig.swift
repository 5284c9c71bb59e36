/// The whole, validated configuration (CONTRACT section 2, plus the documented extensions).
///
/// Every field has the default that `Config/ayaka-edge.yaml` documents, so `EdgeConfig()` is the
/// built-in configuration used when no file is present. Values here are already typed and checked:
/// durations, addresses, CIDRs and route templates were validated by `ConfigLoader`.
public struct EdgeConfig: Sendable, Equatable {
    public var listen = Listen()
    public var upstreams = Upstreams()
    public var clientIP = ClientIP()
    public var rateLimits = RateLimits()
    public var gateway = Gateway()
    public var metrics = Metrics()
    public var backend = Backend()
    public var proxy = Proxy()
    public var admin = Admin()

    public init() {}

    public struct Listen: Sendable, Equatable {
        public var rest = HostPort(host: "127.0.0.1", port: 8080)
        public var gateway = HostPort(host: "127.0.0.1", port: 8081)
        public var admin = HostPort(host: "127.0.0.1", port: 9090)
        /// Listeners that read a PROXY protocol v1/v2 header first (from `client_ip.trusted_proxies` peers only).
        public var proxyProtocol = PerListener<Bool>(rest: false, gateway: false)
        /// Listeners that terminate TLS with these PEM files; nil serves plaintext.
        public var tls = ListenerTLS()
        /// A TLS connection whose handshake has not finished this long after it opened is closed.
        public var tlsHandshakeTimeout = ConfigDuration.seconds(10)
        public init() {}

        /// The addresses alone: what a reload cannot change (the sockets are bound once).
        public var addresses: [HostPort] { [rest, gateway, admin] }
    }

    /// `listen.tls`: the PEM files each listener terminates TLS with, nil for plaintext. The admin listener
    /// can terminate TLS too (it reads no PROXY protocol header: `listen.proxy_protocol` has no `admin`).
    public struct ListenerTLS: Sendable, Equatable {
        public var rest: TLSFiles?
        public var gateway: TLSFiles?
        public var admin: TLSFiles?

        public init(rest: TLSFiles? = nil, gateway: TLSFiles? = nil, admin: TLSFiles? = nil) {
            self.rest = rest
            self.gateway = gateway
            self.admin = admin
        }
    }

    /// One value for each of the proxy's public listeners (`listen.proxy_protocol`). The admin listener reads
    /// no PROXY protocol header: it stays on loopback or a private network.
    public struct PerListener<Value: Sendable & Equatable>: Sendable, Equatable {
        public var rest: Value
        public var gateway: Value

        public init(rest: Value, gateway: Value) {
            self.rest = rest
            self.gateway = gateway
        }
    }

    /// A listener's TLS certificate chain and private key, PEM files (paths as written, relative to the
    /// working directory). Read when the proxy starts and again on every reload.
    public struct TLSFiles: Sendable, Equatable {
        public var certificate: String
        public var key: String

        public init(certificate: String, key: String) {
            self.certificate = certificate
            self.key = key
        }
    }

    public struct Upstreams: Sendable, Equatable {
        public var rest: [UpstreamURL] = []
        public var gateway: [UpstreamURL] = []
        public var health = Health()
        public init() {}

        /// When a REST upstream server is taken out of rotation and brought back.
        public struct Health: Sendable, Equatable {
            /// Consecutive failures (refused or timed-out connects, broken or timed-out responses, failed checks)
            /// that eject a server.
            public var maxFails = 3
            /// Without active checks: how long an ejected server gets no traffic before it is tried again.
            public var failTimeout = ConfigDuration.seconds(10)
            /// Active checks: `GET` this path on every server each `check_interval`; any answer below 500 is
            /// healthy. nil: passive only.
            public var checkPath: String? = nil
            public var checkInterval = ConfigDuration.seconds(5)
            /// With active checks: consecutive passing checks that bring an ejected server back.
            public var healthyThreshold = 2
            public init() {}
        }
        /// No upstream configured: `serve` starts the embedded reference backend and proxies to it.
        public var usesEmbeddedBackend: Bool { rest.isEmpty && gateway.isEmpty }
    }

    public struct ClientIP: Sendable, Equatable {
        /// Peers whose `X-Forwarded-For` is believed. Empty: the socket peer is the client.
        public var trustedProxies: [CIDR] = []
        public init() {}
    }

    public enum StoreKind: Sendable, Equatable {
        case memory
        /// `redis://[:password@]host:port/db`; the password may also come from `AYAKA_EDGE_REDIS_PASSWORD`.
        case redis(url: String)
    }

    public enum StoreFailurePolicy: String, Sendable, Equatable, CaseIterable {
        case local, allow, deny
    }

    public struct RateLimits: Sendable, Equatable {
        public var store: StoreKind = .memory
        public var onStoreFailure: StoreFailurePolicy = .local
        /// Per client IP across all routes; its ROUTE_NAME is `GLOBAL`.
        public var global = RateLimitRule(name: "GLOBAL", limit: 50, per: .seconds(1))
        /// Routes that match no rule; ROUTE_NAME `default`.
        public var `default` = RateLimitRule(name: "default", limit: 30, per: .seconds(10))
        public var routes: [RouteRule] = EdgeConfig.defaultRoutes
        /// Cap on live buckets; past it the least recently used is evicted (a flood of IPs stays bounded).
        public var maxBuckets = 1_000_000
        public init() {}
    }

    public struct Gateway: Sendable, Equatable {
        /// What `GET /available` announces. nil: `ws://` + `listen.gateway`.
        public var publicURL: String? = nil
        public var pingInterval = ConfigDuration.seconds(20)
        public var pingTimeout = ConfigDuration.seconds(20)
        public var maxConnectionsPerIP = 10
        /// Client→server messages per connection.
        public var messages = RateLimitRule(name: "gateway.messages", limit: 120, per: .seconds(60))
        /// Largest WebSocket message (after reassembly) in bytes; bigger closes with 1009.
        public var maxMessageSize = 1 << 20
        public init() {}
    }

    public struct Metrics: Sendable, Equatable {
        public var enabled = true
        public var database = "data/metrics.sqlite"
        public var flushInterval = ConfigDuration.seconds(1)
        public var retention = ConfigDuration.days(7)
        /// Window lengths of the requests-per-client histograms that `ayaka-edge tune` reads.
        public var tuningWindows: [ConfigDuration] = [.seconds(1), .seconds(10), .minutes(1), .minutes(10), .hours(1)]
        public init() {}
    }

    public struct Backend: Sendable, Equatable {
        public var listenREST = HostPort(host: "127.0.0.1", port: 7070)
        public var listenGateway = HostPort(host: "127.0.0.1", port: 7071)
        public var database = "data/ayaka.sqlite"
        public init() {}
    }

    /// Client- and upstream-side limits of the HTTP proxy (an extension of the contract's schema).
    public struct Proxy: Sendable, Equatable {
        public var connectTimeout = ConfigDuration.seconds(5)
        /// Longest wait for the upstream's response head, and between body chunks.
        public var readTimeout = ConfigDuration.seconds(60)
        /// Keep-alive connections (client side) idle longer than this are closed.
        public var idleTimeout = ConfigDuration.seconds(60)
        /// Request bodies above this get 413.
        public var maxBodySize = 8 << 20
        /// Request line + headers above this get 431.
        public var maxHeaderSize = 32 << 10
        /// Idle pooled connections kept per upstream server and event loop.
        public var maxIdleUpstreamConnections = 64
        /// A request head (line + headers) must arrive within this once its first byte has (slowloris → 408).
        public var headerTimeout = ConfigDuration.seconds(10)
        /// Open client connections on the REST listener, all clients together; past it new ones are refused.
        public var maxConnections = 10_000
        /// Open client connections on the REST listener from one client IP (the socket peer).
        public var maxConnectionsPerIP = 256
        /// On SIGTERM, how long in-flight requests may take to finish before their connections are closed.
        public var drainTimeout = ConfigDuration.seconds(30)
        public init() {}
    }

    public struct Admin: Sendable, Equatable {
        /// Bearer token for state-changing admin calls; nil disables them. Also `AYAKA_EDGE_ADMIN_TOKEN`.
        public var token: String? = nil
        public init() {}
    }
}

extension EdgeConfig {
    /// A rule for every REST route of the Ayaka API (seed + CONTRACT section 5); `Config/ayaka-edge.yaml`
    /// lists the same rules and a test keeps the two equal.
    public static let defaultRoutes: [RouteRule] = [
        route("users.create", "POST", "/users/@me", 5, .minutes(1)),
        route("users.get", "GET", "/users/@me", 60, .seconds(10)),
        route("users.edit", "PATCH", "/users/@me", 10, .minutes(1)),
        route("users.login", "POST", "/users/@me/sessions", 10, .minutes(1)),
        route("guilds.create", "POST", "/guilds", 10, .minutes(1)),
        route("guilds.get", "GET", "/guilds/{guild_id}", 60, .seconds(10)),
        route("guilds.edit", "PATCH", "/guilds/{guild_id}", 10, .seconds(10)),
        route("guilds.delete", "DELETE", "/guilds/{guild_id}", 5, .minutes(1)),
        route("guilds.preview", "GET", "/guilds/{guild_id}/preview", 60, .seconds(10)),
        route("invites.create", "POST", "/guilds/{guild_id}/invites", 10, .minutes(1)),
        route("channels.create", "POST", "/guilds/{guild_id}/channels", 10, .minutes(1)),
        route("invites.join", "POST", "/invites/{invite_code}", 10, .minutes(1)),
    ]

    private static func route(
        _ name: String, _ method: String, _ path: String, _ limit: Int, _ per: ConfigDuration
    ) -> RouteRule {
        RouteRule(method: method, path: path, rule: RateLimitRule(name: name, limit: limit, per: per))
    }
}
