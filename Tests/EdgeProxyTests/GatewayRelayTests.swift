import EdgeCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Testing

@testable import EdgeProxy

/// The WebSocket relay over real loopback sockets (CONTRACT section 4).
@Suite struct GatewayRelayTests {
    @Test func availableNamesTheProxyNotTheUpstream() async throws {
        let upstream = try await TestWebSocketUpstream.start()
        let gateway = try await GatewayHarness.start(upstreamPorts: [upstream.port])
        let reply = try await RawClient.exchange(port: gateway.port, "GET /available HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(reply.statusCode == 200)
        #expect(reply.text.hasSuffix("{\"name\": \"production-1\", \"url\": \"ws://127.0.0.1:\(gateway.port)\", \"port\": \(gateway.port)}"))

        let configured = try await GatewayHarness.start(upstreamPorts: [upstream.port]) {
            $0.gateway.publicURL = "wss://gateway.example.com:443"
        }
        let announced = try await RawClient.exchange(port: configured.port, "GET /available HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(announced.text.hasSuffix("{\"name\": \"production-1\", \"url\": \"wss://gateway.example.com:443\", \"port\": 443}"))
        await gateway.stop(); await configured.stop(); await upstream.stop()
    }

    @Test func framesRelayInOrderWithPingsAndFragments() async throws {
        let upstream = try await TestWebSocketUpstream.start()
        let gateway = try await GatewayHarness.start(upstreamPorts: [upstream.port])
        let client = try await TestWebSocketClient.connect(port: gateway.port, headers: [("User-Agent", "test/1")])

        try await client.send(.text, "{\"session_id\": \"1\"}")
        let echoed = try #require(await client.nextFrame(.text))
        #expect(String(buffer: echoed.unmaskedData) == "{\"session_id\": \"1\"}")

        try await client.send(.binary, "\u{1}\u{2}")
        let binary = try #require(await client.nextFrame(.binary))
        #expect(binary.unmaskedData.readableBytes == 2)

        try await client.send(.text, "part one, ", fin: false)
        try await client.send(.continuation, "part two", fin: true)
        let first = try #require(await client.nextFrame(.text))
        #expect(!first.fin)
        let second = try #require(await client.nextFrame(.continuation))
        #expect(second.fin)
        #expect(String(buffer: first.unmaskedData) + String(buffer: second.unmaskedData) == "part one, part two")

        try await client.send(.ping, "keepalive")
        let pong = try #require(await client.nextFrame(.pong))
        #expect(String(buffer: pong.unmaskedData) == "keepalive")
        #expect(upstream.snapshot.pings == 1)

        let head = try #require(upstream.snapshot.upgradeHeads.first)
        #expect(head.headers["x-forwarded-for"] == ["127.0.0.1"])
        #expect(head.headers["user-agent"] == ["test/1"])

        try await client.close(code: 1000)
        #expect(await client.closeCode() == 1000)
        #expect(await eventually { upstream.snapshot.closeCodes == [1000] })
        await gateway.stop(); await upstream.stop()
    }

    @Test func upgradedPipelinesHoldOnlyTheRelays() async throws {
        let upstream = try await TestWebSocketUpstream.start()
        let gateway = try await GatewayHarness.start(upstreamPorts: [upstream.port])
        let client = try await TestWebSocketClient.connect(port: gateway.port)
        try await client.send(.text, "hello")
        _ = await client.nextFrame(.text)

        /// The handler types in a pipeline, read on its channel's loop.
        func handlers(_ channel: any Channel) async throws -> [String] {
            try await channel.eventLoop.submit {
                channel.pipeline.debugDescription.split(separator: "\n").dropFirst(2).map {
                    String($0.split(separator: " ").first { !$0.isEmpty && $0 != "↓↑" } ?? "")
                }
            }.get()
        }
        let proxied = try #require(await gateway.shared.sessions.channels().first)
        #expect(try await handlers(proxied) == ["GatewayClientRelay"])
        let relay = try await proxied.eventLoop.submit {
            try proxied.pipeline.syncOperations.handler(type: GatewayClientRelay.self).upstream.channel
        }.get()
        let upstreamChannel = try #require(relay)
        #expect(try await handlers(upstreamChannel) == ["GatewayUpstreamRelay"])
        #expect(upstreamChannel.eventLoop === proxied.eventLoop)
        await client.disconnect()
        await gateway.stop(); await upstream.stop()
    }

    @Test func silentClientIsClosedWith4009() async throws {
        let upstream = try await TestWebSocketUpstream.start()
        let gateway = try await GatewayHarness.start(upstreamPorts: [upstream.port]) {
            // A 2 s window, generous for a loaded 2-core machine: the pinging client pings every 200 ms.
            $0.gateway.pingInterval = .seconds(1)
            $0.gateway.pingTimeout = .seconds(1)
        }
        let pinging = try await TestWebSocketClient.connect(port: gateway.port)
        try await pinging.send(.ping)
        let silent = try await TestWebSocketClient.connect(port: gateway.port)
        let pings = Task {
            for _ in 0..<50 where !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(200))
                try await pinging.send(.ping)
            }
        }
        #expect(await silent.closeCode(timeout: .seconds(10)) == 4009)
        pings.cancel()
        _ = await pings.result
        // The pinging client is still relayed.
        try await pinging.send(.text, "still here")
        #expect(await pinging.nextFrame(.text) != nil)
        await pinging.disconnect()
        await gateway.stop(); await upstream.stop()
    }

    @Test func connectionsOverThePerIPCapGet429() async throws {
        let upstream = try await TestWebSocketUpstream.start()
        let gateway = try await GatewayHarness.start(upstreamPorts: [upstream.port]) { $0.gateway.maxConnectionsPerIP = 2 }
        let a = try await TestWebSocketClient.connect(port: gateway.port)
        let b = try await TestWebSocketClient.connect(port: gateway.port)
        do {
            _ = try await TestWebSocketClient.connect(port: gateway.port)
            Issue.record("third connection was accepted")
        } catch let refused as TestWebSocketClient.Refused {
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers["X-RateLimit-Bucket"] == ["LIMITER/127.0.0.1/gateway.connections/2/1/second"])
            #expect(refused.headers["X-RateLimit-Limit"] == ["2"])
            #expect(refused.headers["X-RateLimit-Remaining"] == ["0"])
            #expect(refused.headers["Retry-After"] == ["1"])
            #expect(refused.body.contains("\"global\": false"))
        }
        // A slot frees when a connection closes.
        await a.disconnect()
        #expect(await eventually { gateway.shared.connections.openConnections(for: .v4(0x7F00_0001)) == 1 })
        let c = try await TestWebSocketClient.connect(port: gateway.port)
        await b.disconnect(); await c.disconnect()
        await gateway.stop(); await upstream.stop()
    }

    @Test func messageFloodIsClosedWith4008() async throws {
        let upstream = try await TestWebSocketUpstream.start()
        let gateway = try await GatewayHarness.start(upstreamPorts: [upstream.port]) {
            $0.gateway.messages = RateLimitRule(name: "gateway.messages", limit: 5, per: .seconds(60))
        }
        let client = try await TestWebSocketClient.connect(port: gateway.port)
        for i in 0..<6 { try await client.send(.text, "message \(i)") }
        #expect(await client.closeCode() == 4008)
        #expect(await eventually { upstream.snapshot.closeCodes == [1000] }, "\(upstream.snapshot)")
        #expect(upstream.snapshot.frames.filter { $0 == .text }.count == 5)
        await gateway.stop(); await upstream.stop()
    }

    @Test func oversizedMessageIsClosedWith1009() async throws {
        let upstream = try await TestWebSocketUpstream.start()
        let gateway = try await GatewayHarness.start(upstreamPorts: [upstream.port]) { $0.gateway.maxMessageSize = 1000 }
        let client = try await TestWebSocketClient.connect(port: gateway.port)
        try await client.send(.text, String(repeating: "a", count: 600), fin: false)
        try await client.send(.continuation, String(repeating: "b", count: 600), fin: true)
        #expect(await client.closeCode() == 1009)
        await gateway.stop(); await upstream.stop()
    }

    @Test func upstreamDeathClosesTheClientWith1011() async throws {
        let upstream = try await TestWebSocketUpstream.start()
        let gateway = try await GatewayHarness.start(upstreamPorts: [upstream.port])
        let client = try await TestWebSocketClient.connect(port: gateway.port)
        try await client.send(.text, "hello")
        _ = await client.nextFrame(.text)
        upstream.killConnections()
        #expect(await client.closeCode() == 1011)
        await gateway.stop(); await upstream.stop()
    }

    @Test func clientLeavingClosesTheUpstreamWith1001() async throws {
        let upstream = try await TestWebSocketUpstream.start()
        let gateway = try await GatewayHarness.start(upstreamPorts: [upstream.port])
        let client = try await TestWebSocketClient.connect(port: gateway.port)
        try await client.send(.text, "hello")
        _ = await client.nextFrame(.text)
        await client.disconnect()
        #expect(await eventually { upstream.snapshot.closeCodes == [1001] })
        #expect(await eventually { gateway.shared.sessions.count == 0 })
        await gateway.stop(); await upstream.stop()
    }

    @Test func shutdownSendsGoingAway() async throws {
        let upstream = try await TestWebSocketUpstream.start()
        let gateway = try await GatewayHarness.start(upstreamPorts: [upstream.port])
        let client = try await TestWebSocketClient.connect(port: gateway.port)
        #expect(await eventually { gateway.shared.sessions.count == 1 })
        gateway.shared.sessions.broadcast(GatewayGoingAway())
        #expect(await client.closeCode() == 1001)
        await gateway.stop(); await upstream.stop()
    }

    @Test func deadUpstreamRefusesTheUpgradeWith502() async throws {
        let dead = RefusedPort()
        let gateway = try await GatewayHarness.start(upstreamPorts: [dead.port])
        do {
            _ = try await TestWebSocketClient.connect(port: gateway.port)
            Issue.record("upgrade accepted with no upstream")
        } catch let refused as TestWebSocketClient.Refused {
            #expect(refused.status == .badGateway)
            #expect(refused.body.contains("\"code\": 502"))
        }
        #expect(gateway.shared.connections.total == 0)
        await gateway.stop()
        withExtendedLifetime(dead) {}
    }
}
