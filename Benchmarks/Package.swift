// swift-tools-version:6.1
// Micro-benchmarks of ayaka-edge's hot paths, kept out of the main package so its users never resolve them.
//
// ordo-one/benchmark 1.38 is not used: on Linux with Swift 6.3 its manifest pulls in
// ordo-one/swift-runtime-interposer, which this machine's package mirror does not carry, so the package
// cannot resolve here. `LimiterBenchmarks` is a plain executable timed with `ContinuousClock` instead.
// Run it in release: `swift run -c release LimiterBenchmarks` from this directory.
import PackageDescription

let package = Package(
    name: "ayaka-edge-benchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "ayaka-edge", path: ".."),
        // RelayFloor: a bare NIO relay, the same SwiftNIO the proxy builds on.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.81.0"),
    ],
    targets: [
        .executableTarget(
            name: "LimiterBenchmarks",
            dependencies: [
                .product(name: "EdgeCore", package: "ayaka-edge"),
                // WindowRecorder (metrics.tuning_windows): its cost per request.
                .product(name: "EdgeMetrics", package: "ayaka-edge"),
            ],
            path: "Benchmarks/LimiterBenchmarks"
        ),
        // NIO's floor for a proxied request (a TCP relay on two channels): `harness/floor.sh`.
        .executableTarget(
            name: "RelayFloor",
            dependencies: [.product(name: "NIOPosix", package: "swift-nio")],
            path: "Benchmarks/RelayFloor"
        ),
    ]
)
