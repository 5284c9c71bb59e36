import EdgeCore
import NIOCore
import NIOPosix
import Testing

@testable import EdgeProxy

/// Upstream health (issue 7): passive ejection and recovery, 503 when none is left, active checks.
@Suite struct UpstreamHealthTests {
    static let closeRequest = "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"

    @Test func passiveEjectionAndRecovery() {
        var settings = EdgeConfig.Upstreams.Health()
        settings.maxFails = 2
        settings.failTimeout = .seconds(10)
        let health = UpstreamHealth(
            servers: [UpstreamURL(parsing: "http://127.0.0.1:1")!, UpstreamURL(parsing: "http://127.0.0.1:2")!],
            settings: settings)
        let t0 = NIODeadline.now()
        health.recordFailure(0, now: t0)
        #expect(health.state(0, now: t0) == .healthy)
        health.recordFailure(0, now: t0)
        #expect(health.state(0, now: t0) == .ejected)
        #expect(!health.isUsable(0, now: t0 + .seconds(9)))
        #expect(health.state(0, now: t0 + .seconds(11)) == .probing)
        // One failure while probing ejects again at once; a success brings it back.
        health.recordFailure(0, now: t0 + .seconds(11))
        #expect(health.state(0, now: t0 + .seconds(12)) == .ejected)
        health.recordSuccess(0)
        #expect(health.state(0, now: t0 + .seconds(12)) == .healthy)
        #expect(health.state(1, now: t0) == .healthy)
        #expect(health.statusTable(now: t0).contains("127.0.0.1:1"))
    }

    /// A success between failures resets the count (the lock-free path for clean servers must not skip it), and the
    /// failures column of `/status` follows.
    @Test func aSuccessResetsTheFailureCount() {
        var settings = EdgeConfig.Upstreams.Health()
        settings.maxFails = 2
        let health = UpstreamHealth(
            servers: [UpstreamURL(parsing: "http://127.0.0.1:1")!, UpstreamURL(parsing: "http://127.0.0.1:2")!],
            settings: settings)
        health.recordSuccess(1)
        health.recordFailure(0)
        #expect(health.statusTable().split(separator: "\n")[2].split(separator: " ")[2] == "1")
        health.recordSuccess(0)
        #expect(health.statusTable().split(separator: "\n")[2].split(separator: " ")[2] == "0")
        health.recordFailure(0)
        #expect(health.isUsable(0))
        health.recordFailure(0)
        #expect(!health.isUsable(0))
        #expect(health.isUsable(1))
        health.recordSuccess(0)
        #expect(health.isUsable(0))
        #expect(health.state(0) == .healthy)
    }

    @Test func withActiveChecksOnlyPassingChecksBringAServerBack() {
        var settings = EdgeConfig.Upstreams.Health()
        settings.maxFails = 1
        settings.checkPath = "/health"
        settings.healthyThreshold = 2
        let health = UpstreamHealth(servers: [UpstreamURL(parsing: "http://127.0.0.1:1")!], settings: settings)
        health.recordFailure(0)
        #expect(health.state(0, now: .now() + .seconds(3600)) == .ejected)
        health.recordSuccess(0)  // a request can't bring it back
        #expect(health.state(0) == .ejected)
        health.recordSuccess(0, fromCheck: true)
        #expect(health.state(0) == .ejected)
        health.recordSuccess(0, fromCheck: true)
        #expect(health.state(0) == .healthy)
    }

    @Test func killOneOfTwoUpstreamsThenRestartIt() async throws {
        let a = try await TestUpstream.start()
        let b = try await TestUpstream.start()
        let portA = a.port
        var health = EdgeConfig.Upstreams.Health()
        health.maxFails = 2
        health.failTimeout = .milliseconds(300)
        let proxy = try await ProxyHarness.start(upstreamPorts: [portA, b.port], health: health)
        for _ in 0..<6 { #expect(try await RawClient.exchange(port: proxy.port, Self.closeRequest).statusCode == 200) }
        #expect(a.requestCount > 0 && b.requestCount > 0)

        await a.stop()
        for _ in 0..<10 { #expect(try await RawClient.exchange(port: proxy.port, Self.closeRequest).statusCode == 200) }
        #expect(proxy.shared.pools.health.state(0) != .healthy)

        let restarted = try await TestUpstream.start(port: portA)
        try await Task.sleep(for: .milliseconds(400))
        for _ in 0..<6 { #expect(try await RawClient.exchange(port: proxy.port, Self.closeRequest).statusCode == 200) }
        #expect(restarted.requestCount > 0)
        #expect(proxy.shared.pools.health.state(0) == .healthy)
        await proxy.stop(); await b.stop(); await restarted.stop()
    }

    @Test func noServerInRotationGives503() async throws {
        let dead = RefusedPort()
        var health = EdgeConfig.Upstreams.Health()
        health.maxFails = 1
        let proxy = try await ProxyHarness.start(upstreamPorts: [dead.port], health: health)
        #expect(try await RawClient.exchange(port: proxy.port, Self.closeRequest).statusCode == 502)
        let refused = try await RawClient.exchange(port: proxy.port, Self.closeRequest)
        #expect(refused.statusCode == 503)
        #expect(refused.text.hasSuffix("{\"code\": 503, \"message\": \"No upstream server is available.\"}"))
        await proxy.stop()
        withExtendedLifetime(dead) {}
    }

    @Test func activeProbe() async throws {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let up = try await TestUpstream.start()
        let failing = try await TestUpstream.start(.fixed(status: .internalServerError, body: "{}"))
        let dead = RefusedPort()
        let deadPort = dead.port
        func url(_ port: Int) -> UpstreamURL { UpstreamURL(scheme: .http, host: "127.0.0.1", port: port) }
        #expect(await HealthProbe.check(url(up.port), path: "/health", timeout: .seconds(2), on: loop))
        #expect(up.requests.first?.head.uri == "/health")
        #expect(!(await HealthProbe.check(url(failing.port), path: "/health", timeout: .seconds(2), on: loop)))
        #expect(!(await HealthProbe.check(url(deadPort), path: "/health", timeout: .seconds(2), on: loop)))
        withExtendedLifetime(dead) {}
        await up.stop(); await failing.stop()
    }
}
