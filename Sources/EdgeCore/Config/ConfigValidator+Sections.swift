/// The sections other than `rate_limits`, each key read over its default.
extension ConfigValidator {
    func readListen(_ root: Section, into config: inout EdgeConfig) {
        guard let listen = section("listen", in: root) else { return }
        update(&config.listen.rest, from: listen, "rest", hostPort)
        update(&config.listen.gateway, from: listen, "gateway", hostPort)
        update(&config.listen.admin, from: listen, "admin", hostPort)
        if let proxyProtocol = section("proxy_protocol", in: listen) {
            update(&config.listen.proxyProtocol.rest, from: proxyProtocol, "rest", bool)
            update(&config.listen.proxyProtocol.gateway, from: proxyProtocol, "gateway", bool)
            refuseOnAdmin(proxyProtocol, enabled: { self.bool($0, at: $1) == true },
                          "the admin listener reads no PROXY protocol header; keep it on loopback or a private "
                          + "network (its socket peer is the client)")
        }
        if let tls = section("tls", in: listen) {
            update(&config.listen.tls.rest, from: tls, "rest", tlsFiles)
            update(&config.listen.tls.gateway, from: tls, "gateway", tlsFiles)
            update(&config.listen.tls.admin, from: tls, "admin", tlsFiles)
        }
        update(&config.listen.tlsHandshakeTimeout, from: listen, "tls_handshake_timeout") { node, path in
            self.duration(node, at: path, allowMilliseconds: true)
        }
    }

    /// `admin` under `listen.proxy_protocol` is accepted only when it asks for nothing.
    private func refuseOnAdmin(
        _ section: Section, enabled: (ConfigNode, ConfigKeyPath) -> Bool, _ message: String
    ) {
        guard let node = section.entries["admin"], enabled(node, section.path / "admin") else { return }
        report(message, about: node, path: section.path / "admin")
    }

    /// `{certificate, key}`, both non-empty paths; null serves plaintext. The files themselves are checked by
    /// the caller's `TLSFilesCheck` (EdgeCore does no I/O), reported at the key that names the bad file.
    func tlsFiles(_ node: ConfigNode, at path: ConfigKeyPath) -> EdgeConfig.TLSFiles?? {
        if case .null = node.value { return .some(nil) }
        guard let files = section(node, at: path) else { return nil }
        var certificate: String?
        var key: String?
        update(&certificate, from: files, "certificate") { node, path in self.nonEmptyText(node, at: path) }
        update(&key, from: files, "key") { node, path in self.nonEmptyText(node, at: path) }
        for (name, value) in [("certificate", certificate), ("key", key)] where value == nil {
            guard files.entries[name] == nil else { continue }  // present but bad: reported already
            report("needs \(name): a PEM file path (both certificate and key are required to serve TLS)",
                   at: node.position, path: path / name, value: nil)
        }
        guard let certificate, let key else { return nil }
        let tlsFiles = EdgeConfig.TLSFiles(certificate: certificate, key: key)
        for fault in checkTLSFiles?(tlsFiles) ?? [] {
            let faultPath = path / fault.file.rawValue
            report(fault.message, at: positions[faultPath] ?? node.position, path: faultPath,
                   value: fault.file == .certificate ? certificate : key)
        }
        return .some(tlsFiles)
    }

    func readUpstreams(_ root: Section, into config: inout EdgeConfig) {
        guard let upstreams = section("upstreams", in: root) else { return }
        update(&config.upstreams.rest, from: upstreams, "rest") { node, path in
            self.list(node, at: path, of: "http:// or https:// URLs") { item, itemPath in
                self.url(item, at: itemPath, schemes: [.http, .https], example: "http://127.0.0.1:7070")
            }
        }
        update(&config.upstreams.gateway, from: upstreams, "gateway") { node, path in
            self.list(node, at: path, of: "ws:// or wss:// URLs") { item, itemPath in
                self.url(item, at: itemPath, schemes: [.ws, .wss], example: "ws://127.0.0.1:7071")
            }
        }
        guard let health = section("health", in: upstreams) else { return }
        update(&config.upstreams.health.maxFails, from: health, "max_fails") { node, path in
            self.integer(node, at: path, minimum: 1)
        }
        update(&config.upstreams.health.failTimeout, from: health, "fail_timeout") { node, path in
            self.duration(node, at: path, allowMilliseconds: true)
        }
        update(&config.upstreams.health.checkInterval, from: health, "check_interval") { node, path in
            self.duration(node, at: path, allowMilliseconds: true)
        }
        update(&config.upstreams.health.healthyThreshold, from: health, "healthy_threshold") { node, path in
            self.integer(node, at: path, minimum: 1)
        }
        update(&config.upstreams.health.checkPath, from: health, "check_path") { node, path -> String?? in
            switch node.value {
            case .null:
                return .some(nil)
            case .scalar(let text) where text.hasPrefix("/") && !text.contains(" "):
                return .some(text)
            default:
                self.report("expected a path starting with '/', or null to turn active checks off",
                            at: node.position, path: path, value: node.abbreviated())
                return nil
            }
        }
    }

    func readClientIP(_ root: Section, into config: inout EdgeConfig) {
        guard let clientIP = section("client_ip", in: root) else { return }
        update(&config.clientIP.trustedProxies, from: clientIP, "trusted_proxies") { node, path in
            self.list(node, at: path, of: "CIDRs", self.cidr)
        }
    }

    func readGateway(_ root: Section, into config: inout EdgeConfig) {
        guard let gateway = section("gateway", in: root) else { return }
        update(&config.gateway.publicURL, from: gateway, "public_url") { node, path -> String?? in
            if case .null = node.value { return .some(nil) }
            let url = self.url(node, at: path, schemes: [.ws, .wss], example: "ws://chat.example.com:8081")
            guard url != nil, case .scalar(let text) = node.value else { return nil }
            return .some(text)
        }
        update(&config.gateway.pingInterval, from: gateway, "ping_interval") { node, path in
            self.duration(node, at: path, allowMilliseconds: false)
        }
        update(&config.gateway.pingTimeout, from: gateway, "ping_timeout") { node, path in
            self.duration(node, at: path, allowMilliseconds: false)
        }
        update(&config.gateway.maxConnectionsPerIP, from: gateway, "max_connections_per_ip") { node, path in
            self.integer(node, at: path, minimum: 1)
        }
        let defaultMessages = config.gateway.messages
        update(&config.gateway.messages, from: gateway, "messages") { node, path in
            self.rule(node, at: path, over: defaultMessages)
        }
        update(&config.gateway.maxMessageSize, from: gateway, "max_message_size", size)
    }

    func readMetrics(_ root: Section, into config: inout EdgeConfig) {
        guard let metrics = section("metrics", in: root) else { return }
        update(&config.metrics.enabled, from: metrics, "enabled", bool)
        update(&config.metrics.database, from: metrics, "database", nonEmptyText)
        update(&config.metrics.flushInterval, from: metrics, "flush_interval") { node, path in
            self.duration(node, at: path, allowMilliseconds: false)
        }
        update(&config.metrics.retention, from: metrics, "retention") { node, path in
            self.duration(node, at: path, allowMilliseconds: false)
        }
        update(&config.metrics.tuningWindows, from: metrics, "tuning_windows") { node, path in
            self.tuningWindows(node, at: path)
        }
    }

    func readBackend(_ root: Section, into config: inout EdgeConfig) {
        guard let backend = section("backend", in: root) else { return }
        if let listen = section("listen", in: backend) {
            update(&config.backend.listenREST, from: listen, "rest", hostPort)
            update(&config.backend.listenGateway, from: listen, "gateway", hostPort)
        }
        update(&config.backend.database, from: backend, "database", nonEmptyText)
    }

    func readProxy(_ root: Section, into config: inout EdgeConfig) {
        guard let proxy = section("proxy", in: root) else { return }
        let timeout: (ConfigNode, ConfigKeyPath) -> ConfigDuration? = { node, path in
            self.duration(node, at: path, allowMilliseconds: true)
        }
        update(&config.proxy.connectTimeout, from: proxy, "connect_timeout", timeout)
        update(&config.proxy.readTimeout, from: proxy, "read_timeout", timeout)
        update(&config.proxy.idleTimeout, from: proxy, "idle_timeout", timeout)
        update(&config.proxy.maxBodySize, from: proxy, "max_body_size", size)
        update(&config.proxy.maxHeaderSize, from: proxy, "max_header_size", size)
        update(&config.proxy.maxIdleUpstreamConnections, from: proxy, "max_idle_upstream_connections") { node, path in
            self.integer(node, at: path, minimum: 0)
        }
        update(&config.proxy.headerTimeout, from: proxy, "header_timeout", timeout)
        update(&config.proxy.drainTimeout, from: proxy, "drain_timeout", timeout)
        update(&config.proxy.maxConnections, from: proxy, "max_connections") { node, path in
            self.integer(node, at: path, minimum: 1)
        }
        update(&config.proxy.maxConnectionsPerIP, from: proxy, "max_connections_per_ip") { node, path in
            self.integer(node, at: path, minimum: 1)
        }
    }

    func readAdmin(_ root: Section, into config: inout EdgeConfig) {
        guard let admin = section("admin", in: root) else { return }
        // The token is a secret: problems about it never echo the value.
        update(&config.admin.token, from: admin, "token") { node, path -> String?? in
            switch node.value {
            case .null:
                return .some(nil)
            case .scalar(let token) where !token.isEmpty:
                return .some(token)
            case .scalar:
                self.report("must not be empty; leave the key out to disable the admin API's state-changing calls",
                            at: node.position, path: path, value: nil)
            case .list, .mapping:
                self.report("expected a secret string, not \(node.kindName)", at: node.position, path: path, value: nil)
            }
            return nil
        }
    }

    /// `metrics.tuning_windows`: at most 8 distinct durations (s, m, h or d) of at most 1 day.
    func tuningWindows(_ node: ConfigNode, at path: ConfigKeyPath) -> [ConfigDuration]? {
        guard let windows = list(node, at: path, of: "durations", { item, itemPath in
            self.duration(item, at: itemPath, allowMilliseconds: false)
        }) else { return nil }
        if windows.count > 8 {
            report("at most 8 window lengths (each costs memory per client)", about: node, path: path)
            return nil
        }
        if let day = windows.first(where: { $0.nanoseconds > 86_400_000_000_000 }) {
            report("window lengths must be at most 1d (got \(day))", about: node, path: path)
            return nil
        }
        if Set(windows.map(\.nanoseconds)).count != windows.count {
            report("window lengths must be distinct", about: node, path: path)
            return nil
        }
        return windows
    }
}
