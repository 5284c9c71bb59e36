// swift-tools-version:6.1
// ayaka-edge: a rate-limiting reverse proxy for the Ayaka chat API, with its reference backend.
// Module layout and the reason for each dependency: ../shared/ARCHITECTURE.md and README.md.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "ayaka-edge",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ayaka-edge", targets: ["ayaka-edge"]),
        .library(name: "EdgeCore", targets: ["EdgeCore"]),
        // For Benchmarks/ (the tuning recorder's micro-benchmark); the executable is the product users run.
        .library(name: "EdgeMetrics", targets: ["EdgeMetrics"]),
        .library(name: "EdgeProxy", targets: ["EdgeProxy"]),
        .library(name: "AyakaBackend", targets: ["AyakaBackend"]),
    ],
    dependencies: [
        // The proxy's data plane: every byte, frame and connection under our control.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
        // Reference backend and admin server: a maintained router and WebSocket server.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.4.0"),
        // SQLite with migrations and WAL, for the backend's store and the metrics database.
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
        // PBKDF2 password hashing (_CryptoExtras) and secure random session ids.
        .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.6.0"),
        // Prometheus text exposition for the admin listener's `/metrics` (bounded-label registry).
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
        // YAML config decoding with line numbers for error messages.
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
        // The gateway's `zlib` encoding (RFC 1950 streams); already pulled in by hummingbird-websocket.
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.0.0"),
        // TLS termination on any listener (NIOSSLServerHandler, PEM certificate and key files).
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.27.0"),
        // Tests only: property-based generators and shrinking for the fuzz target (request parser path, config loader).
        .package(url: "https://github.com/x-sheep/swift-property-based.git", from: "2.0.0"),
        // An HTTP client: `ayaka-edge status`, and end-to-end tests.
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.24.0"),
    ],
    targets: [
        .target(
            name: "EdgeCore",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // Fleet mode: the Redis bucket store, its small RESP client on SwiftNIO and the failover wrapper.
        .target(
            name: "EdgeRedis",
            dependencies: [
                "EdgeCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EdgeProxy",
            dependencies: [
                "EdgeCore",
                "EdgeRedis",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                // TLSUserEvent: the handshake's end, for the handshake timeout and counters.
                .product(name: "NIOTLS", package: "swift-nio"),
                "EdgeMetrics",
            ],
            swiftSettings: swiftSettings + [
                // The data plane's class fields are touched only on their event loop; in release builds their
                // run-time exclusivity checks (a thread-local access set per access) go. Debug builds, which run
                // the tests, keep them.
                .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
            ]
        ),
        .target(
            name: "AyakaBackend",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "EdgeMetrics",
            dependencies: [
                "EdgeCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                // `listen.tls.admin`: the admin listener's TLS (the configuration comes from the executable).
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "ayaka-edge",
            dependencies: [
                "EdgeCore",
                "EdgeProxy",
                "EdgeMetrics",
                "AyakaBackend",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // `ayaka-edge status` over HTTPS trusting the admin certificate (Foundation's URLSession on
                // Linux takes no custom trust root).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "EdgeCoreTests", dependencies: ["EdgeCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "EdgeRedisTests",
            dependencies: [
                "EdgeRedis", "EdgeCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EdgeProxyTests",
            dependencies: [
                "EdgeProxy", "EdgeCore",
                // The admin listener with `listen.tls.admin` (AdminTLSTests).
                "EdgeMetrics", "AyakaTestSupport",
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: swiftSettings
        ),
        // Fuzzing by property-based tests: random and mutated HTTP requests through the REST pipeline in an
        // EmbeddedChannel, requests and responses through the HTTP/1.1 parsers whole and in pieces, random and
        // mutated YAML through ConfigLoader. `AYAKA_FUZZ_COUNT` sets the size.
        .testTarget(
            name: "FuzzTests",
            dependencies: [
                "EdgeProxy", "EdgeCore",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/Fuzz",
            swiftSettings: swiftSettings
        ),
        // Test helpers shared by the backend and end-to-end suites: a JSON REST client and a gateway probe.
        .target(
            name: "AyakaTestSupport",
            dependencies: [
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/AyakaTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "AyakaBackendTests",
            dependencies: [
                "AyakaBackend", "AyakaTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EdgeMetricsTests",
            dependencies: [
                "EdgeMetrics", "EdgeCore", "AyakaTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "EdgeCore", "EdgeProxy", "AyakaBackend", "AyakaTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
