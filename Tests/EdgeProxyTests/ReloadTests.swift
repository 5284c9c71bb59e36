import AsyncHTTPClient
import EdgeCore
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Testing

@testable import EdgeProxy

/// Hot reload under traffic: nothing fails, nothing drops, the new rules apply to the next request.
@Suite struct ReloadTests {
    @Test func reloadUnderSteadyTrafficAndOpenGatewaySessions() async throws {
        let upstream = try await TestUpstream.start()
        let wsUpstream = try await TestWebSocketUpstream.start()
        var config = EdgeConfig()
        config.listen.rest = HostPort(host: "127.0.0.1", port: 0)
        config.listen.gateway = HostPort(host: "127.0.0.1", port: 0)
        config.upstreams.rest = [UpstreamURL(scheme: .http, host: "127.0.0.1", port: upstream.port)]
        config.upstreams.gateway = [UpstreamURL(scheme: .ws, host: "127.0.0.1", port: wsUpstream.port)]
        config.rateLimits.global = RateLimitRule(name: "GLOBAL", limit: 100_000, per: .seconds(1))
        config.rateLimits.default = RateLimitRule(name: "default", limit: 100_000, per: .minutes(1))
        config.rateLimits.routes = []
        var logger = Logger(label: "reload-test")
        logger.logLevel = .warning
        let ready = AsyncStream<ProxyAddresses>.makeStream()
        let service = EdgeProxyService(config: config, logger: logger) { ready.continuation.yield($0) }
        let group = ServiceGroup(services: [service], logger: logger)
        let running = Task { try await group.run() }
        var iterator = ready.stream.makeAsyncIterator()
        let ports = try #require(await iterator.next())

        let gateway = try await TestWebSocketClient.connect(port: ports.gatewayPort)
        let failures = NIOLockedValueBox(0)
        let served = NIOLockedValueBox(0)
        let remainingSeen = NIOLockedValueBox<[Int]>([])
        let stop = NIOLockedValueBox(false)
        let steady = Task {
            while !stop.withLockedValue({ $0 }) {
                let request = HTTPClientRequest(url: "http://127.0.0.1:\(ports.restPort)/steady")
                do {
                    let response = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
                    _ = try await response.body.collect(upTo: 1 << 16)
                    if response.status == .ok { served.withLockedValue { $0 += 1 } } else { failures.withLockedValue { $0 += 1 } }
                    if let text = response.headers["X-RateLimit-Remaining"].first, let value = Int(text) {
                        remainingSeen.withLockedValue { $0.append(value) }
                    }
                } catch {
                    failures.withLockedValue { $0 += 1 }
                }
            }
        }
        while served.withLockedValue({ $0 }) < 20 { try await Task.sleep(for: .milliseconds(10)) }

        var next = config
        next.rateLimits.routes = [RouteRule(
            method: "POST", path: "/users/@me", rule: RateLimitRule(name: "users.create", limit: 1, per: .minutes(1))
        )]
        next.listen.rest = HostPort(host: "127.0.0.1", port: 1)  // needs a restart: reported, not applied
        let outcome = try await service.reload(to: next)
        #expect(outcome.generation == 2)
        #expect(outcome.needsRestart == ["listen"])

        // The new rule on the very next request.
        var post = HTTPClientRequest(url: "http://127.0.0.1:\(ports.restPort)/users/@me")
        post.method = .POST
        let first = try await HTTPClient.shared.execute(post, timeout: .seconds(5))
        #expect(first.status == .ok)
        #expect(first.headers["X-RateLimit-Bucket"] == ["LIMITER/127.0.0.1/users.create/1/1/minute"])
        let second = try await HTTPClient.shared.execute(post, timeout: .seconds(5))
        #expect(second.status == .tooManyRequests)

        let before = served.withLockedValue { $0 }
        while served.withLockedValue({ $0 }) < before + 20 { try await Task.sleep(for: .milliseconds(10)) }
        stop.withLockedValue { $0 = true }
        _ = await steady.value
        #expect(failures.withLockedValue { $0 } == 0)
        // The unchanged `default` rule kept its bucket: remaining only ever went down across the reload.
        let seen = remainingSeen.withLockedValue { $0 }
        #expect(zip(seen, seen.dropFirst()).allSatisfy { $0 > $1 })

        // The gateway session opened before the reload still relays.
        try await gateway.send(.text, "after reload")
        let echoed = try #require(await gateway.nextFrame(.text))
        #expect(String(buffer: echoed.unmaskedData) == "after reload")

        await group.triggerGracefulShutdown()
        try await running.value
        await upstream.stop(); await wsUpstream.stop()
    }
}
