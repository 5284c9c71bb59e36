import Foundation
import Testing

/// `listen.tls.admin` on the real binary: the admin listener speaks HTTPS only, `ayaka-edge status` finds it
/// from the config (trusting the configured certificate) or from `--url` with `--ca-certificate`, and SIGHUP
/// puts a renewed certificate in force for new connections without restarting the listener.
@Suite struct AdminTLSCommandLineTests {
    /// An EC P-256 key and a self-signed certificate for 127.0.0.1 and localhost, written by `openssl`.
    static func makeCertificate(_ name: String, in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", directory.appendingPathComponent("\(name).key").path,
            "-out", directory.appendingPathComponent("\(name).crt").path,
            "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "openssl failed")
    }

    /// Copies `<name>.crt`/`.key` over the files the config names (`admin.crt`, `admin.key`).
    static func install(_ name: String, in directory: URL) throws {
        for suffix in ["crt", "key"] {
            let target = directory.appendingPathComponent("admin.\(suffix)")
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.copyItem(at: directory.appendingPathComponent("\(name).\(suffix)"), to: target)
        }
    }

    @Test func statusOverTLSAndCertificateReload() async throws {
        let directory = try Binary.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ports = try (0..<5).map { _ in try Binary.freePort() }
        try Self.makeCertificate("first", in: directory)
        try Self.makeCertificate("second", in: directory)
        try Self.install("first", in: directory)
        let file = directory.appendingPathComponent("edge.yaml")
        try """
            listen:
              rest: 127.0.0.1:\(ports[0])
              gateway: 127.0.0.1:\(ports[1])
              admin: 127.0.0.1:\(ports[2])
              tls:
                admin: {certificate: admin.crt, key: admin.key}
            backend:
              listen: {rest: 127.0.0.1:\(ports[3]), gateway: 127.0.0.1:\(ports[4])}
              database: data/ayaka.sqlite

            """.write(to: file, atomically: true, encoding: .utf8)
        let (process, errors) = try Binary.start(["serve", "--config", file.path], in: directory)
        defer { if process.isRunning { process.terminate() } }

        // From the config: https, trusting the configured certificate.
        var fromConfig = Binary.Result(status: -1, stdout: "", stderr: "")
        for _ in 0..<150 where fromConfig.status != 0 {
            fromConfig = try await Binary.run(["status", "--config", file.path, "--timeout", "1"], in: directory)
            if fromConfig.status != 0 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(fromConfig.status == 0, "\(fromConfig.stderr)")
        #expect(fromConfig.stdout.hasPrefix("Active connections: "))

        let https = "https://127.0.0.1:\(ports[2])/status"
        func status(trusting name: String) async throws -> Binary.Result {
            try await Binary.run(["status", "--url", https, "--ca-certificate",
                                  directory.appendingPathComponent("\(name).crt").path, "--timeout", "1"])
        }
        #expect(try await status(trusting: "first").status == 0)
        #expect(try await status(trusting: "second").status == 1)
        let plain = try await Binary.run(["status", "--url", "http://127.0.0.1:\(ports[2])/status", "--timeout", "1"])
        #expect(plain.status == 1)

        // A renewed certificate in the same files: SIGHUP re-reads them, new connections get it.
        try Self.install("second", in: directory)
        kill(process.processIdentifier, SIGHUP)
        var renewed = Binary.Result(status: -1, stdout: "", stderr: "")
        for _ in 0..<50 where renewed.status != 0 {
            renewed = try await status(trusting: "second")
            if renewed.status != 0 { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(renewed.status == 0, "\(renewed.stderr)")
        #expect(renewed.stdout.contains("config_generation: 2\n"))
        #expect(try await status(trusting: "first").status == 1)

        process.terminate()
        for _ in 0..<200 where process.isRunning { try await Task.sleep(for: .milliseconds(50)) }
        #expect(process.terminationStatus == 0)
        let log = await Binary.readAll(errors)
        #expect(log.contains("configuration reloaded"))
    }
}
