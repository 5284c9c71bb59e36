import AsyncHTTPClient
import EdgeCore
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Testing

@testable import EdgeProxy

/// `listen.tls` through `EdgeProxyService.reload(to:)`: new connections get the re-read certificate; a bad
/// file fails the reload and the old certificate stays.
@Suite struct TLSReloadTests {
    /// A GET over TLS that succeeds only if the listener presents `certificate`.
    static func get(port: Int, trusting certificate: String) async throws -> HTTPClientResponse {
        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: .init(tlsConfiguration: try TestTLS.configuration(trusting: certificate)))
        defer { _ = client.shutdown() }
        return try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(port)/x"), timeout: .seconds(10))
    }

    @Test func reloadPutsTheNewCertificateInForceForNewConnections() async throws {
        let fixture = try TLSFixture()
        let first = try fixture.makeCertificate("first")
        let second = try fixture.makeCertificate("second")
        let upstream = try await TestUpstream.start()
        var config = EdgeConfig()
        config.listen.rest = HostPort(host: "127.0.0.1", port: 0)
        config.listen.gateway = HostPort(host: "127.0.0.1", port: 0)
        config.listen.tls.rest = EdgeConfig.TLSFiles(certificate: first.certificate, key: first.key)
        config.upstreams.rest = [UpstreamURL(scheme: .http, host: "127.0.0.1", port: upstream.port)]
        config.upstreams.gateway = [UpstreamURL(scheme: .ws, host: "127.0.0.1", port: 1)]
        var logger = Logger(label: "tls-reload-test")
        logger.logLevel = .warning
        let ready = AsyncStream<ProxyAddresses>.makeStream()
        let service = EdgeProxyService(config: config, logger: logger) { ready.continuation.yield($0) }
        let group = ServiceGroup(services: [service], logger: logger)
        let running = Task { try await group.run() }
        var iterator = ready.stream.makeAsyncIterator()
        let port = try #require(await iterator.next()).restPort

        #expect(try await Self.get(port: port, trusting: first.certificate).status == .ok)
        await #expect(throws: (any Error).self) { _ = try await Self.get(port: port, trusting: second.certificate) }

        var next = config
        next.listen.tls.rest = EdgeConfig.TLSFiles(certificate: second.certificate, key: second.key)
        let outcome = try await service.reload(to: next)
        #expect(outcome.needsRestart.isEmpty)
        #expect(try await Self.get(port: port, trusting: second.certificate).status == .ok)

        // A key that is not the certificate's: the reload fails, the second certificate stays.
        var bad = next
        bad.listen.tls.rest = EdgeConfig.TLSFiles(certificate: second.certificate, key: first.key)
        await #expect(throws: ReloadError.self) { _ = try await service.reload(to: bad) }
        #expect(try await Self.get(port: port, trusting: second.certificate).status == .ok)

        await group.triggerGracefulShutdown()
        try await running.value
        await upstream.stop()
    }
}
