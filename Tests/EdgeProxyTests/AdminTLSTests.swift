import AsyncHTTPClient
import AyakaTestSupport
import EdgeCore
import EdgeMetrics
import Foundation
import Logging
import NIOCore
import NIOSSL
import Testing

@testable import EdgeProxy

/// `listen.tls.admin`: the admin listener (Hummingbird) terminates TLS with a `TLSContextProvider`'s
/// `serverConfiguration`, and a reload of the provider changes the certificate new connections get.
@Suite struct AdminTLSTests {
    @Test func servesStatusOverTLSOnly() async throws {
        let fixture = try TLSFixture()
        let files = try fixture.makeCertificate("admin")
        let provider = try TLSContextProvider(files: .init(certificate: files.certificate, key: files.key))
        try await withAdminServer(tls: provider) { port throws in
            let status = try await get(port: port, trusting: files.certificate)
            #expect(status.code == 200)
            #expect(status.body.hasPrefix("Active connections: "))

            // Plain HTTP to the TLS listener gets no HTTP answer.
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            defer { _ = client.shutdown() }
            await #expect(throws: (any Error).self) {
                _ = try await client.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/status"),
                                             timeout: .seconds(5))
            }
        }
    }

    @Test func reloadServesTheNewCertificateToNewConnections() async throws {
        let fixture = try TLSFixture()
        let old = try fixture.makeCertificate("old")
        let new = try fixture.makeCertificate("new")
        let missing = EdgeConfig.TLSFiles(certificate: fixture.path("missing.crt"), key: new.key)
        let provider = try TLSContextProvider(files: .init(certificate: old.certificate, key: old.key))
        try await withAdminServer(tls: provider) { port throws in
            #expect(try await get(port: port, trusting: old.certificate).code == 200)
            await #expect(throws: (any Error).self) {
                _ = try await get(port: port, trusting: new.certificate, timeout: 1)
            }

            // A bad file fails the reload and the old certificate stays.
            guard case .failure = provider.reload(files: missing) else {
                Issue.record("a missing certificate was accepted")
                return
            }
            #expect(try await get(port: port, trusting: old.certificate).code == 200)

            guard case .success = provider.reload(files: .init(certificate: new.certificate, key: new.key)) else {
                Issue.record("the new certificate was refused")
                return
            }
            #expect(try await get(port: port, trusting: new.certificate).code == 200)
            await #expect(throws: (any Error).self) {
                _ = try await get(port: port, trusting: old.certificate, timeout: 1)
            }
        }
    }

    /// GET /status with a new client (a new connection) that trusts only `certificate`.
    @Test func turningAdminTLSOnOrOffNeedsARestart() {
        var on = EdgeConfig()
        on.listen.tls.admin = .init(certificate: "a.pem", key: "a.key")
        var renewed = on
        renewed.listen.tls.admin = .init(certificate: "b.pem", key: "b.key")
        #expect(ProxyGeneration.restartOnlyChanges(from: EdgeConfig(), to: on) == ["listen.tls.admin"])
        #expect(ProxyGeneration.restartOnlyChanges(from: on, to: EdgeConfig()) == ["listen.tls.admin"])
        #expect(ProxyGeneration.restartOnlyChanges(from: on, to: renewed).isEmpty)
    }

    /// A refused certificate is retried by the client until `timeout`: the expected failures keep it short.
    private func get(port: Int, trusting certificate: String, timeout: Int64 = 5) async throws
        -> (code: Int, body: String)
    {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(certificate)
        tls.certificateVerification = .noHostnameVerification
        let client = HTTPClient(eventLoopGroupProvider: .singleton,
                                configuration: HTTPClient.Configuration(tlsConfiguration: tls))
        do {
            let response = try await client.execute(
                HTTPClientRequest(url: "https://127.0.0.1:\(port)/status"), timeout: .seconds(timeout))
            let body = try await response.body.collect(upTo: 1 << 20)
            try await client.shutdown()
            return (Int(response.status.code), String(buffer: body))
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    private func withAdminServer(
        tls provider: TLSContextProvider, _ body: (Int) async throws -> Void
    ) async throws {
        var config = EdgeConfig()
        config.metrics.enabled = false  // no SQLite file
        let telemetry = ProxyTelemetry(config: config, version: "test", logger: Logger(label: "test"))
        try await withRunningService({ onReady in
            AdminServer(
                address: HostPort(host: "127.0.0.1", port: 0), tls: provider.serverConfiguration,
                source: telemetry.statusSource(version: "test"), logger: Logger(label: "admin"), onReady: onReady
            )
        }, body)
    }
}
