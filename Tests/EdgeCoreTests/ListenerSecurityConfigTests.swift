import EdgeCore
import Foundation
import Testing

/// `listen.proxy_protocol`, `listen.tls`, `listen.tls_handshake_timeout`, and the hardened example
/// `Config/production.yaml`.
@Suite struct ListenerSecurityConfigTests {
    @Test func defaultsAreOff() {
        let config = EdgeConfig()
        #expect(config.listen.proxyProtocol == .init(rest: false, gateway: false))
        #expect(config.listen.tls == .init(rest: nil, gateway: nil, admin: nil))
        #expect(config.listen.tlsHandshakeTimeout == .seconds(10))
    }

    @Test func proxyProtocolAndTLSPerListener() {
        let yaml = """
            listen:
              proxy_protocol: {rest: true, admin: false}
              tls:
                gateway: {certificate: /etc/tls/chain.pem, key: /etc/tls/key.pem}
                admin: null
              tls_handshake_timeout: 500ms
            client_ip: {trusted_proxies: [10.0.0.0/8]}
            """
        guard let config = loadConfig(yaml) else { return }
        #expect(config.listen.proxyProtocol == .init(rest: true, gateway: false))
        #expect(config.listen.tls.gateway == EdgeConfig.TLSFiles(certificate: "/etc/tls/chain.pem", key: "/etc/tls/key.pem"))
        #expect(config.listen.tls.rest == nil)
        #expect(config.listen.tlsHandshakeTimeout == .milliseconds(500))
        #expect(config.listen.rest == EdgeConfig().listen.rest)
    }

    @Test func environmentOverrides() {
        let environment = [
            "AYAKA_EDGE_LISTEN_PROXY_PROTOCOL_GATEWAY": "true",
            "AYAKA_EDGE_CLIENT_IP_TRUSTED_PROXIES": "10.0.0.0/8",
            "AYAKA_EDGE_LISTEN_TLS_REST": "{certificate: a.pem, key: b.pem}",
            "AYAKA_EDGE_LISTEN_TLS_HANDSHAKE_TIMEOUT": "3s",
        ]
        guard let config = loadConfig("", environment: environment) else { return }
        #expect(config.listen.proxyProtocol.gateway)
        #expect(config.listen.tls.rest == EdgeConfig.TLSFiles(certificate: "a.pem", key: "b.pem"))
        #expect(config.listen.tlsHandshakeTimeout == .seconds(3))
    }

    @Test func proxyProtocolNeedsTrustedProxies() {
        expectProblem("listen:\n  proxy_protocol: {gateway: true}\n", keyPath: "listen.proxy_protocol.gateway",
                      line: 2, message: "client_ip.trusted_proxies")
    }

    @Test func adminListenerReadsNoProxyProtocol() {
        expectProblem("listen:\n  proxy_protocol: {admin: true}\nclient_ip: {trusted_proxies: [10.0.0.0/8]}\n",
                      keyPath: "listen.proxy_protocol.admin", line: 2, message: "admin listener reads no PROXY")
    }

    @Test func adminListenerTerminatesTLS() {
        let yaml = "listen:\n  tls:\n    admin: {certificate: admin.pem, key: admin.key}\n"
        guard let config = loadConfig(yaml) else { return }
        #expect(config.listen.tls.admin == EdgeConfig.TLSFiles(certificate: "admin.pem", key: "admin.key"))
        #expect(config.listen.tls.rest == nil && config.listen.tls.gateway == nil)
        guard let fromEnvironment = loadConfig(
            "", environment: ["AYAKA_EDGE_LISTEN_TLS_ADMIN": "{certificate: c.pem, key: k.pem}"]
        ) else { return }
        #expect(fromEnvironment.listen.tls.admin == EdgeConfig.TLSFiles(certificate: "c.pem", key: "k.pem"))
        expectProblem("listen:\n  tls:\n    admin: {certificate: a.pem}\n", keyPath: "listen.tls.admin.key",
                      line: 3, message: "needs key")
    }

    @Test func adminTLSDoesNotReplaceTheToken() {
        // TLS encrypts the admin API; it does not authenticate callers: off loopback it still needs a token.
        expectProblem("listen:\n  admin: 0.0.0.0:9090\n  tls:\n    admin: {certificate: a.pem, key: b.pem}\n",
                      keyPath: "listen.admin", line: 2, message: "non-loopback admin listener needs admin.token")
    }

    @Test func badValues() {
        expectProblem("listen:\n  tls:\n    rest: {certificate: a.pem}\n", keyPath: "listen.tls.rest.key", line: 3,
                      message: "needs key")
        expectProblem("listen:\n  tls:\n    gateway: {certificate: a.pem, key: \"\"}\n",
                      keyPath: "listen.tls.gateway.key", line: 3, message: "must not be empty")
        expectProblem("listen:\n  tls:\n    rest: {certificate: a.pem, key: b.pem, chain: c.pem}\n",
                      keyPath: "listen.tls.rest.chain", line: 3, message: "unknown key")
        expectProblem("listen:\n  tls:\n    rest: a.pem\n", keyPath: "listen.tls.rest", line: 3,
                      message: "expected a mapping")
        expectProblem("listen:\n  proxy_protocol: {rest: maybe}\n", keyPath: "listen.proxy_protocol.rest", line: 2,
                      message: "true or false")
        expectProblem("listen:\n  tls_handshake_timeout: soon\n", keyPath: "listen.tls_handshake_timeout", line: 2,
                      message: "expected a duration")
    }

    @Test func fileFaultsAreReportedAtTheirKey() throws {
        let check: TLSFilesCheck = { files in
            files.key == "missing.key" ? [TLSFileFault(file: .key, message: "TLS private key file 'missing.key' does not exist")] : []
        }
        let yaml = "listen:\n  tls:\n    rest:\n      certificate: a.pem\n      key: missing.key\n"
        do {
            _ = try ConfigLoader.load(yaml: yaml, file: "edge.yaml", environment: [:], checkingTLSFiles: check)
            Issue.record("accepted a missing key file")
        } catch {
            #expect(error.problems.map(\.keyPath) == ["listen.tls.rest.key"])
            #expect(error.problems.first?.line == 5)
            #expect(error.problems.first?.value == "missing.key")
        }
    }

    @Test func productionExampleIsValidAndHardened() throws {
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: repository.appendingPathComponent("Config/production.yaml"), encoding: .utf8)
        let config = try ConfigLoader.load(yaml: text, file: "Config/production.yaml",
                                           environment: ["AYAKA_EDGE_ADMIN_TOKEN": "from-the-environment"])
        #expect(!config.upstreams.usesEmbeddedBackend)
        #expect(!config.clientIP.trustedProxies.isEmpty)
        #expect(config.listen.proxyProtocol.rest && config.listen.proxyProtocol.gateway)
        #expect(config.listen.tls.rest != nil && config.listen.tls.gateway != nil)
        #expect(config.listen.admin.isLoopback)
        #expect(config.admin.token == "from-the-environment")
    }
}
