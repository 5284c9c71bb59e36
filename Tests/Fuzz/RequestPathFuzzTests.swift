import EdgeCore
import NIOCore
import NIOEmbedded
import NIOHTTP1
import PropertyBased
import Testing

@testable import EdgeProxy

/// Random and mutated client bytes through the REST listener's real pipeline: PROXY protocol preamble (for
/// some inputs) and `ClientProxyHandler` with its `ClientRequestParser`, header timeout,
/// `ExchangeStateMachine` and the real rate limiter, on an `EmbeddedChannel`. No upstream is configured,
/// so admitted requests get the proxy's 503: the property is that nothing crashes, every answer is HTTP and
/// every connection ends once its timers have run.
@Suite(.serialized) struct RequestPathFuzzTests {
    /// Valid requests to mutate: the Ayaka routes, bodies, chunked, pipelined, upgrades, PROXY headers.
    static let corpus: [String] = [
        "GET /users/@me HTTP/1.1\r\nHost: a\r\nAuthorization: abc\r\n\r\n",
        "POST /users/@me HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"username\":\"a\"}",
        "PATCH /guilds/123 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "GET /guilds/1/preview HTTP/1.1\r\nHost: a\r\n\r\nGET /invites/x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 203.0.113.9, 10.0.0.1\r\nX-Request-ID: r1\r\n\r\n",
        "POST /guilds/1/invites HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n{}",
        "GET / HTTP/1.0\r\n\r\n",
        "DELETE /guilds/9 HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
        "PROXY TCP4 203.0.113.7 10.0.0.1 56324 443\r\nGET /users/@me HTTP/1.1\r\nHost: a\r\n\r\n",
        "PROXY UNKNOWN\r\nPOST /guilds HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc",
    ]

    static let tokens: [[UInt8]] = [
        "\r\n", "\r\n\r\n", " ", ":", "\0", "Content-Length: ", "Transfer-Encoding: chunked\r\n", "0\r\n\r\n",
        "99999999999999999999", "-1", "GET / HTTP/1.1\r\n", "Host: a\r\n", "X-Forwarded-For: ", ",", "%",
        "HTTP/1.1", "ffffffff\r\n", "PROXY TCP6 ::1 ::1 1 2\r\n", "\u{0D}\u{0A}\u{0D}\u{0A}\u{00}\u{0D}\u{0A}QUIT\u{0A}",
        "Connection: close\r\n", "Expect: 100-continue\r\n", "/", "?", "{guild_id}",
    ].map { Array($0.utf8) }

    /// One event loop for every connection: the proxy's per-loop pools and shards are keyed by it.
    static let loop = EmbeddedEventLoop()

    static let shared: ProxyConnectionContext = {
        var limits = EdgeConfig.Proxy()
        limits.maxBodySize = 4096
        limits.maxHeaderSize = 2048
        var rules = EdgeConfig.RateLimits()
        rules.global = RateLimitRule(name: "GLOBAL", limit: 40, per: .seconds(1))
        let admitter = RateLimitAdmitter(
            limiter: RateLimiter(rules: rules),
            resolver: ClientAddressResolver(trustedProxies: [CIDR("10.0.0.0/8")!])
        )
        let pools = UpstreamPoolGroup(group: loop, servers: [], proxy: limits)
        return ProxyConnectionContext(admitter: admitter, pools: pools, limits: limits,
                                      trustedProxies: [CIDR("10.0.0.0/8")!])
    }()

    /// Feeds `input` in chunks of `chunk` bytes to a fresh connection; returns what the proxy wrote.
    static func run(_ input: [UInt8], chunk: Int, proxyProtocol: Bool) throws -> [UInt8] {
        let channel = EmbeddedChannel(loop: loop)
        channel.remoteAddress = try SocketAddress(ipAddress: proxyProtocol ? "10.1.2.3" : "198.51.100.7", port: 4000)
        let settings = proxyProtocol
            ? ProxyProtocolSettings(trustedProxies: [CIDR("10.0.0.0/8")!], timeout: .seconds(10)) : nil
        let shared = self.shared
        try ConnectionPreamble(proxyProtocol: settings).configure(channel: channel) { origin in
            try RESTListener.addHTTPHandlers(
                to: channel, contexts: ContextSwitch<ProxyConnectionContext>.Box(shared), phase: nil,
                client: origin.client, scheme: "http")
        }
        _ = try? channel.connect(to: channel.remoteAddress!).wait()
        var output: [UInt8] = []
        func drain() {
            while let buffer = try? channel.readOutbound(as: ByteBuffer.self) { output += buffer.readableBytesView }
        }
        var offset = 0
        while offset < input.count, channel.isActive {
            let end = min(input.count, offset + chunk)
            // Errors reaching the pipeline's end (a parser error after close...) are fine; crashes are not.
            _ = try? channel.writeInbound(ByteBuffer(bytes: input[offset..<end]))
            loop.run()
            drain()
            offset = end
        }
        // Let every timer fire (header timeout, idle keep-alive, lingering close), then hang up.
        loop.advanceTime(by: .seconds(120))
        drain()
        if channel.isActive { _ = try? channel.close().wait() }
        loop.run()
        drain()
        return output
    }

    @Test func mutatedAndRandomRequests() async {
        let inputs = Fuzz.Tally()
        let started = ContinuousClock.now
        await propertyCheck(
            count: Fuzz.count,
            input: Gen.int(in: 0...(Self.corpus.count)), Fuzz.mutations, Fuzz.noise, Gen.int(in: 1...96)
        ) { index, mutations, noise, chunk in
            inputs.add()
            let base = index < Self.corpus.count ? Array(Self.corpus[index].utf8) : noise
            let input = Fuzz.mutate(base, with: mutations, tokens: Self.tokens)
            let proxyProtocol = input.starts(with: Array("PROXY".utf8)) || input.first == 0x0D
            let output = try Self.run(input, chunk: chunk, proxyProtocol: proxyProtocol)
            if !output.isEmpty {
                #expect(output.starts(with: Array("HTTP/1.".utf8)),
                        "not HTTP: \(String(decoding: output.prefix(40), as: UTF8.self).debugDescription)")
            }
        }
        Fuzz.report("request path", inputs: inputs.count, since: started)
    }

    @Test func unmutatedCorpusIsAnswered() throws {
        for request in Self.corpus {
            let output = try Self.run(Array(request.utf8), chunk: 7, proxyProtocol: request.hasPrefix("PROXY"))
            #expect(String(decoding: output, as: UTF8.self).hasPrefix("HTTP/1."), "\(request.debugDescription)")
        }
    }
}

