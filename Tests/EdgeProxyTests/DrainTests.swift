import EdgeCore
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Testing

@testable import EdgeProxy

/// Graceful drain: requests under way finish, idle connections close, nothing new is accepted.
@Suite struct DrainTests {
    @Test func inFlightRequestsFinishIdleConnectionsCloseAndTheServiceReturns() async throws {
        let upstream = try await TestUpstream.start(.delayed(.milliseconds(400)))
        var config = EdgeConfig()
        config.listen.rest = HostPort(host: "127.0.0.1", port: 0)
        config.listen.gateway = HostPort(host: "127.0.0.1", port: 0)
        config.upstreams.rest = [UpstreamURL(scheme: .http, host: "127.0.0.1", port: upstream.port)]
        let ready = AsyncStream<ProxyAddresses>.makeStream()
        var logger = Logger(label: "drain-test")
        logger.logLevel = .warning
        let service = EdgeProxyService(config: config, logger: logger) { ready.continuation.yield($0) }
        let group = ServiceGroup(services: [service], logger: logger)
        let running = Task { try await group.run() }
        var iterator = ready.stream.makeAsyncIterator()
        let port = try #require(await iterator.next()).restPort

        let idle = try await RawClient.open(port: port).0
        let inFlight = Task {
            try await RawClient.exchange(port: port, "GET /slow HTTP/1.1\r\nHost: a\r\n\r\n", timeout: .seconds(5))
        }
        while upstream.requestCount == 0 { try await Task.sleep(for: .milliseconds(10)) }

        await group.triggerGracefulShutdown()
        let reply = try await inFlight.value
        #expect(reply.statusCode == 200)
        #expect(reply.text.contains("\"delayed\":true"))
        #expect(reply.text.contains("Connection: close"))
        #expect(reply.closedByServer)
        for _ in 0..<100 where idle.isActive { try await Task.sleep(for: .milliseconds(10)) }
        #expect(!idle.isActive)

        try await running.value  // the service returned by itself
        await #expect(throws: (any Error).self) { _ = try await RawClient.open(port: port) }
        await upstream.stop()
    }
}
