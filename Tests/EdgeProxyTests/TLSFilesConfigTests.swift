import EdgeCore
import Foundation
import Testing

@testable import EdgeProxy

/// `listen.tls` files checked by `ConfigLoader` through `TLSContextProvider.check`: each fault is a config
/// problem at the key naming the file, with its line.
@Suite struct TLSFilesConfigTests {
    static func problems(_ yaml: String) -> [ConfigProblem] {
        do {
            _ = try ConfigLoader.load(yaml: yaml, file: "edge.yaml", environment: [:],
                                      checkingTLSFiles: TLSContextProvider.check)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func validFilesLoad() throws {
        let fixture = try TLSFixture()
        let files = try fixture.makeCertificate("server")
        let yaml = "listen:\n  tls:\n    gateway: {certificate: \(files.certificate), key: \(files.key)}\n"
        #expect(Self.problems(yaml).isEmpty)
    }

    @Test func missingCertificateIsReportedAtItsKey() throws {
        let fixture = try TLSFixture()
        let files = try fixture.makeCertificate("server")
        let yaml = "listen:\n  tls:\n    rest:\n      certificate: /nonexistent/chain.pem\n      key: \(files.key)\n"
        let problems = Self.problems(yaml)
        #expect(problems.count == 1)
        #expect(problems.first?.keyPath == "listen.tls.rest.certificate")
        #expect(problems.first?.line == 4)
        #expect(problems.first?.message.contains("'/nonexistent/chain.pem' does not exist") == true)
    }

    @Test func mismatchedKeyIsReportedAtTheKey() throws {
        let fixture = try TLSFixture()
        let first = try fixture.makeCertificate("first")
        let second = try fixture.makeCertificate("second")
        let yaml = "listen:\n  tls:\n    rest: {certificate: \(first.certificate), key: \(second.key)}\n"
        let problems = Self.problems(yaml)
        #expect(problems.map(\.keyPath) == ["listen.tls.rest.key"])
        #expect(problems.first?.message.contains("does not belong to the certificate") == true)
    }

    @Test func unreadableKeyIsReported() throws {
        guard getuid() != 0 else { return }  // root reads anything
        let fixture = try TLSFixture()
        let files = try fixture.makeCertificate("server")
        try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: files.key)
        let yaml = "listen:\n  tls:\n    rest: {certificate: \(files.certificate), key: \(files.key)}\n"
        let problems = Self.problems(yaml)
        #expect(problems.map(\.keyPath) == ["listen.tls.rest.key"])
        #expect(problems.first?.message.contains("cannot be read") == true)
    }
}
