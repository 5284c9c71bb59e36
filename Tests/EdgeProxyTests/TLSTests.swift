import EdgeCore
import Foundation
import NIOCore
import NIOSSL
import Testing

@testable import EdgeProxy

/// TLS termination: contexts from PEM files with clear errors, reload keeping the old context on failure,
/// and real handshakes through `ConnectionPreamble` (also behind a PROXY header).
@Suite struct TLSTests {
    @Test func contextFromValidFiles() throws {
        let fixture = try TLSFixture()
        let (certificate, key) = try fixture.makeCertificate("server")
        let provider = try TLSContextProvider(files: .init(certificate: certificate, key: key))
        #expect(provider.files.certificate == certificate)
    }

    @Test func missingFilesAreNamed() throws {
        let fixture = try TLSFixture()
        let (certificate, key) = try fixture.makeCertificate("server")
        #expect(throws: TLSConfigurationError.missingFile(path: "/nonexistent/a.crt", role: .certificate)) {
            try TLSContextProvider.makeContext(files: .init(certificate: "/nonexistent/a.crt", key: key))
        }
        #expect(throws: TLSConfigurationError.missingFile(path: fixture.path("none.key"), role: .key)) {
            try TLSContextProvider.makeContext(files: .init(certificate: certificate, key: fixture.path("none.key")))
        }
    }

    @Test func badPEMIsNamed() throws {
        let fixture = try TLSFixture()
        let (certificate, key) = try fixture.makeCertificate("server")
        let garbage = try fixture.write("garbage.pem", "not a certificate\n")
        do {
            _ = try TLSContextProvider.makeContext(files: .init(certificate: garbage, key: key))
            Issue.record("accepted a garbage certificate")
        } catch {
            guard case .invalidPEM(garbage, .certificate, _) = error else { Issue.record("\(error)"); return }
            #expect(error.description.contains("garbage.pem"))
        }
        do {
            // A certificate where the key should be.
            _ = try TLSContextProvider.makeContext(files: .init(certificate: certificate, key: certificate))
            Issue.record("accepted a certificate as key")
        } catch {
            guard case .invalidPEM(certificate, .key, _) = error else { Issue.record("\(error)"); return }
        }
    }

    @Test func keyOfAnotherCertificateIsRefused() throws {
        let fixture = try TLSFixture()
        let first = try fixture.makeCertificate("first")
        let second = try fixture.makeCertificate("second")
        #expect(throws: TLSConfigurationError.keyDoesNotMatchCertificate(certificate: first.certificate,
                                                                          key: second.key)) {
            try TLSContextProvider.makeContext(files: .init(certificate: first.certificate, key: second.key))
        }
    }

    @Test func reloadSwapsOnSuccessAndKeepsTheOldContextOnFailure() throws {
        let fixture = try TLSFixture()
        let first = try fixture.makeCertificate("first")
        let provider = try TLSContextProvider(files: .init(certificate: first.certificate, key: first.key))
        let original = provider.context

        let second = try fixture.makeCertificate("second")
        let renewed = try provider.reload(files: .init(certificate: second.certificate, key: second.key)).get()
        #expect(renewed === provider.context)
        #expect(renewed !== original)

        let failed = provider.reload(files: .init(certificate: first.certificate, key: second.key))
        guard case .failure(.keyDoesNotMatchCertificate) = failed else { Issue.record("\(failed)"); return }
        #expect(provider.context === renewed)
        #expect(provider.files.certificate == second.certificate)

        // Same paths, files replaced (a renewed certificate): re-read.
        try fixture.makeCertificate("second")
        let reread = try provider.reload().get()
        #expect(reread !== renewed)
    }

    @Test func echoOverTLS() async throws {
        let fixture = try TLSFixture()
        let (certificate, key) = try fixture.makeCertificate("server")
        let provider = try TLSContextProvider(files: .init(certificate: certificate, key: key))
        let server = try await EchoServer.start(preamble: ConnectionPreamble(tls: provider))
        defer { Task { await server.stop() } }
        let reply = try await EchoClient.exchange(port: server.port, tls: true, message: "hello")
        #expect(reply == "127.0.0.1|hello")
    }

    @Test func plaintextClientOnATLSListenerGetsNothing() async throws {
        let fixture = try TLSFixture()
        let (certificate, key) = try fixture.makeCertificate("server")
        let provider = try TLSContextProvider(files: .init(certificate: certificate, key: key))
        let server = try await EchoServer.start(preamble: ConnectionPreamble(tls: provider))
        defer { Task { await server.stop() } }
        await #expect(throws: (any Error).self) {
            try await EchoClient.exchange(port: server.port, tls: false, message: "GET / HTTP/1.1\r\n\r\n")
        }
    }

    @Test func proxyHeaderInClearThenTLS() async throws {
        let fixture = try TLSFixture()
        let (certificate, key) = try fixture.makeCertificate("server")
        let provider = try TLSContextProvider(files: .init(certificate: certificate, key: key))
        let counters = ProxyProtocolCounters()
        let settings = ProxyProtocolSettings(trustedProxies: [CIDR("127.0.0.0/8")!], timeout: .seconds(5),
                                             counters: counters)
        let server = try await EchoServer.start(preamble: ConnectionPreamble(proxyProtocol: settings, tls: provider))
        defer { Task { await server.stop() } }
        let header = Array("PROXY TCP4 203.0.113.7 127.0.0.1 50000 443\r\n".utf8)
        let reply = try await EchoClient.exchange(port: server.port, proxyHeader: header, tls: true, message: "hi")
        #expect(reply == "203.0.113.7|hi")
        #expect(counters.proxied.load(ordering: .relaxed) == 1)
    }

    @Test func proxyHeaderOverPlaintext() async throws {
        let settings = ProxyProtocolSettings(trustedProxies: [CIDR("127.0.0.1/32")!], timeout: .seconds(5))
        let server = try await EchoServer.start(preamble: ConnectionPreamble(proxyProtocol: settings))
        defer { Task { await server.stop() } }
        let v2 = ProxyV2.header(command: 0x1, family: 0x2, source: ProxyV2.bytes(IPAddress("2001:db8::9")!),
                                destination: ProxyV2.bytes(IPAddress("::1")!), ports: (1, 2))
        let reply = try await EchoClient.exchange(port: server.port, proxyHeader: v2, tls: false, message: "x")
        #expect(reply == "2001:db8::9|x")
        // Without a header the trusted peer is closed on.
        await #expect(throws: (any Error).self) {
            try await EchoClient.exchange(port: server.port, tls: false, message: "GET / HTTP/1.1\r\n\r\n")
        }
    }
}
