/// Problems that involve more than one key: listeners sharing an address, an unprotected admin listener.
extension ConfigValidator {
    /// Two listeners that would run together must not bind the same address. The proxy's three always run
    /// together, as do the backend's two; the backend runs beside the proxy when no upstream is configured.
    /// Port 0 (any free port) never clashes; a wildcard host (`0.0.0.0`, `::`) clashes with every host.
    func checkListenersAreDistinct(_ config: EdgeConfig) {
        let proxy: [(ConfigKeyPath, HostPort)] = [
            (ConfigKeyPath.root / "listen" / "rest", config.listen.rest),
            (ConfigKeyPath.root / "listen" / "gateway", config.listen.gateway),
            (ConfigKeyPath.root / "listen" / "admin", config.listen.admin),
        ]
        let backend: [(ConfigKeyPath, HostPort)] = [
            (ConfigKeyPath.root / "backend" / "listen" / "rest", config.backend.listenREST),
            (ConfigKeyPath.root / "backend" / "listen" / "gateway", config.backend.listenGateway),
        ]
        let together = config.upstreams.usesEmbeddedBackend ? [proxy + backend] : [proxy, backend]
        for group in together {
            for (laterIndex, later) in group.enumerated() {
                guard let earlier = group[..<laterIndex].first(where: { Self.clash($0.1, later.1) }) else { continue }
                // Point at whichever of the two was written; the later one when both were.
                let (path, address) = positions[later.0] != nil || positions[earlier.0] == nil ? later : earlier
                let other = path == later.0 ? earlier.0 : later.0
                report("\(other) uses the same address; every listener needs its own host:port",
                       at: positions[path], path: path, value: address.description)
            }
        }
    }

    /// A non-loopback admin listener without `admin.token` would expose the admin API to the network.
    func checkAdminIsProtected(_ config: EdgeConfig) {
        guard !config.listen.admin.isLoopback, config.admin.token == nil else { return }
        // A token that was written but refused has its own problem already.
        guard !problems.contains(where: { $0.keyPath == "admin.token" }) else { return }
        let path = ConfigKeyPath.root / "listen" / "admin"
        report("a non-loopback admin listener needs admin.token (or AYAKA_EDGE_ADMIN_TOKEN); "
               + "keep it on 127.0.0.1 or set a token",
               at: positions[path], path: path, value: config.listen.admin.description)
    }

    /// A PROXY protocol header is believed only from `client_ip.trusted_proxies`; with none listed, a listener
    /// that expects one could never learn a client address, so that is a mistake to report, not to run.
    func checkProxyProtocolHasTrustedPeers(_ config: EdgeConfig) {
        guard config.clientIP.trustedProxies.isEmpty else { return }
        let flags = config.listen.proxyProtocol
        for (name, enabled) in [("rest", flags.rest), ("gateway", flags.gateway)] where enabled {
            let path = ConfigKeyPath.root / "listen" / "proxy_protocol" / name
            report("PROXY protocol is accepted only from client_ip.trusted_proxies, which is empty; "
                   + "list the load balancers' addresses there",
                   at: positions[path], path: path, value: "true")
        }
    }

    private static func clash(_ a: HostPort, _ b: HostPort) -> Bool {
        guard a.port == b.port, a.port != 0 else { return false }
        let hostA = canonicalHost(a.host)
        let hostB = canonicalHost(b.host)
        let wildcards: Set<String> = ["0.0.0.0", "::"]
        return hostA == hostB || wildcards.contains(hostA) || wildcards.contains(hostB)
    }

    private static func canonicalHost(_ host: String) -> String {
        IPAddress(host)?.description ?? host.lowercased()
    }
}
