import EdgeCore
import Foundation
import Testing

/// `listen.proxy_protocol` and `listen.tls`, and the hardened example `Config/production.yaml`.
@Suite struct ListenerSecurityConfigTests {
    @Test func defaultsAreOff() {
        let config = EdgeConfig()
        #expect(config.listen.proxyProtocol == .init(rest: false, gateway: false, admin: false))
        #expect(config.listen.tls == .init(rest: nil, gateway: nil, admin: nil))
    }

    @Test func proxyProtocolAndTLSPerListener() {
        let yaml = """
            listen:
              proxy_protocol: {rest: true}
              tls:
                gateway: {certificate: /etc/tls/chain.pem, key: /etc/tls/key.pem}
            client_ip: {trusted_proxies: [10.0.0.0/8]}
            """
        guard let config = loadConfig(yaml) else { return }
        #expect(config.listen.proxyProtocol == .init(rest: true, gateway: false, admin: false))
        #expect(config.listen.tls.gateway == EdgeConfig.TLSFiles(certificate: "/etc/tls/chain.pem", key: "/etc/tls/key.pem"))
        #expect(config.listen.tls.rest == nil)
        #expect(config.listen.rest == EdgeConfig().listen.rest)
    }

    @Test func environmentOverrides() {
        let environment = [
            "AYAKA_EDGE_LISTEN_PROXY_PROTOCOL_GATEWAY": "true",
            "AYAKA_EDGE_CLIENT_IP_TRUSTED_PROXIES": "10.0.0.0/8",
            "AYAKA_EDGE_LISTEN_TLS_REST": "{certificate: a.pem, key: b.pem}",
        ]
        guard let config = loadConfig("", environment: environment) else { return }
        #expect(config.listen.proxyProtocol.gateway)
        #expect(config.listen.tls.rest == EdgeConfig.TLSFiles(certificate: "a.pem", key: "b.pem"))
    }

    @Test func proxyProtocolNeedsTrustedProxies() {
        expectProblem("listen:\n  proxy_protocol: {gateway: true}\n", keyPath: "listen.proxy_protocol.gateway",
                      line: 2, message: "client_ip.trusted_proxies")
    }

    @Test func tlsNeedsBothFiles() {
        expectProblem("listen:\n  tls:\n    rest: {certificate: a.pem}\n", keyPath: "listen.tls.rest.key", line: 3,
                      message: "needs key")
        expectProblem("listen:\n  tls:\n    admin: {certificate: a.pem, key: \"\"}\n", keyPath: "listen.tls.admin.key",
                      line: 3, message: "must not be empty")
        expectProblem("listen:\n  tls:\n    rest: {certificate: a.pem, key: b.pem, chain: c.pem}\n",
                      keyPath: "listen.tls.rest.chain", line: 3, message: "unknown key")
        expectProblem("listen:\n  proxy_protocol: {rest: maybe}\n", keyPath: "listen.proxy_protocol.rest", line: 2,
                      message: "true or false")
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
        #expect(config.proxy.drainTimeout.nanoseconds < 40 * 1_000_000_000)  // TimeoutStopSec=40 in the unit
        #expect(config.metrics.database.hasPrefix("/var/lib/ayaka-edge/"))
        // The unit's stop timeout leaves room for the drain.
        let unit = try String(contentsOf: repository.appendingPathComponent("Config/systemd/ayaka-edge.service"),
                              encoding: .utf8)
        #expect(unit.contains("TimeoutStopSec=40"))
        #expect(unit.contains("DynamicUser=yes"))
    }
}
