import EdgeCore
import EdgeMetrics
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

@testable import EdgeProxy

/// An admitter from a closure, so relay tests can script the rate-limit verdict.
struct ClosureAdmitter: RequestAdmitter {
    let decide: @Sendable (HTTPRequestHead, IPAddress) -> Admission

    func admit(
        _ head: HTTPRequestHead, peer: IPAddress, nowNanoseconds: Int64, on eventLoop: any EventLoop,
        windows: WindowRecorder?
    ) -> AdmissionResult {
        .now(decide(head, peer))
    }

    static let relayAll = ClosureAdmitter { _, _ in .relay() }
}

/// A REST listener on a loopback port in front of the given upstream ports.
struct ProxyHarness {
    let channel: any Channel
    let shared: ProxyConnectionContext
    var port: Int { channel.localAddress!.port! }

    static func start(
        upstreamPorts: [Int], admitter: any RequestAdmitter = ClosureAdmitter.relayAll,
        configure: (inout EdgeConfig.Proxy) -> Void = { _ in }, trusted: [CIDR] = [],
        host: String = "127.0.0.1", clock: @escaping @Sendable () -> Int64 = WallClock.nowNanoseconds,
        health: EdgeConfig.Upstreams.Health = .init(), preamble: ConnectionPreamble = ConnectionPreamble()
    ) async throws -> ProxyHarness {
        var limits = EdgeConfig.Proxy()
        configure(&limits)
        let group = MultiThreadedEventLoopGroup.singleton
        let servers = upstreamPorts.map { UpstreamURL(scheme: .http, host: "127.0.0.1", port: $0) }
        let pools = UpstreamPoolGroup(group: group, servers: servers, proxy: limits, health: health)
        let shared = ProxyConnectionContext(
            admitter: admitter, pools: pools, limits: limits, trustedProxies: trusted, clock: clock, preamble: preamble
        )
        let listener = RESTListener(
            address: HostPort(host: host, port: 0), group: group, contexts: ContextSwitch(group: group, initial: shared)
        )
        return ProxyHarness(channel: try await listener.bind(), shared: shared)
    }

    /// Waits until the listener has counted `count` open client connections (accepts are initialized on
    /// several event loops, so a client's connect can return before its connection is counted).
    func waitForOpenConnections(_ count: Int) async throws {
        for _ in 0..<500 where shared.connections.total != count { try await Task.sleep(for: .milliseconds(5)) }
    }

    func stop() async {
        try? await channel.close()
    }
}
