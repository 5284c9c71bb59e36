import EdgeCore
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import EdgeProxy

/// `ConnectionPreamble` with PROXY protocol on an `EmbeddedChannel`: the origin handed to the listener, the
/// bytes after the header, self-removal, refusals and their counters.
@Suite struct ProxyProtocolDecoderTests {
    static let balancer = try! SocketAddress(ipAddress: "10.0.0.9", port: 40000)
    static let stranger = try! SocketAddress(ipAddress: "198.51.100.4", port: 50000)

    /// A channel from `peer` whose listener installs an event recorder; `origins` collects what it was told.
    final class Connection {
        let channel = EmbeddedChannel()
        let origins = NIOLockedValueBox<[ConnectionOrigin]>([])
        let events = EventRecorder()
        let counters = ProxyProtocolCounters()

        init(peer: SocketAddress, timeout: TimeAmount = .seconds(10)) throws {
            channel.remoteAddress = peer
            let settings = ProxyProtocolSettings(trustedProxies: [CIDR("10.0.0.0/8")!], timeout: timeout,
                                                 counters: counters)
            let origins = self.origins
            let events = self.events
            let channel = self.channel
            try ConnectionPreamble(proxyProtocol: settings).configure(channel: channel) { origin in
                origins.withLockedValue { $0.append(origin) }
                try channel.pipeline.syncOperations.addHandler(events)
            }
            try channel.connect(to: peer).wait()
        }

        func send(_ bytes: [UInt8]) throws {
            try channel.writeInbound(ByteBuffer(bytes: bytes))
            channel.embeddedEventLoop.run()
        }

        /// Everything that came out of the pipeline's end, concatenated.
        func received() throws -> String {
            var text = ""
            while let buffer = try channel.readInbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
            return text
        }

        var decoderRemoved: Bool {
            (try? channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<ProxyProtocolDecoder>.self)) == nil
        }
    }

    /// Records user events and passes everything on.
    final class EventRecorder: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        var events: [ProxyProtocolHeaderReceived] = []

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if let event = event as? ProxyProtocolHeaderReceived { events.append(event) }
            context.fireUserInboundEventTriggered(event)
        }
    }

    static let request = "GET /users/@me HTTP/1.1\r\nHost: a\r\n\r\n"

    @Test func headerThenRequestInOneRead() throws {
        let connection = try Connection(peer: Self.balancer)
        try connection.send(Array(("PROXY TCP4 203.0.113.7 10.0.0.1 56324 443\r\n" + Self.request).utf8))
        let origin = try #require(connection.origins.withLockedValue { $0.first })
        #expect(origin.client == IPAddress("203.0.113.7"))
        #expect(origin.isFromProxyHeader)
        #expect(origin.peer == Self.balancer)
        #expect(try connection.received() == Self.request)
        #expect(connection.decoderRemoved)
        #expect(connection.events.events.map(\.origin) == [origin])
        #expect(connection.counters.proxied.load(ordering: .relaxed) == 1)
        // Later bytes flow straight through.
        try connection.send(Array("more".utf8))
        #expect(try connection.received() == "more")
    }

    @Test func v2HeaderByteByByteThenData() throws {
        let connection = try Connection(peer: Self.balancer)
        let header = ProxyV2.header(command: 0x1, family: 0x2, source: ProxyV2.bytes(IPAddress("2001:db8::42")!),
                                    destination: ProxyV2.bytes(IPAddress("2001:db8::1")!), ports: (7, 443),
                                    tlvs: [ProxyTLV(type: ProxyTLV.authority, value: Array("x.example".utf8))])
        for byte in header + Array(Self.request.utf8) { try connection.channel.writeInbound(ByteBuffer(bytes: [byte])) }
        connection.channel.embeddedEventLoop.run()
        #expect(connection.origins.withLockedValue { $0.map(\.client) } == [IPAddress("2001:db8::42")])
        #expect(try connection.received() == Self.request)
        #expect(connection.decoderRemoved)
    }

    @Test func bytesArrivingWhileTheDecoderLeavesKeepTheirOrder() throws {
        let connection = try Connection(peer: Self.balancer)
        try connection.channel.writeInbound(ByteBuffer(string: "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nGET"))
        try connection.channel.writeInbound(ByteBuffer(string: " / HTTP/1.1\r\n"))  // removal still pending
        connection.channel.embeddedEventLoop.run()
        #expect(try connection.received() == "GET / HTTP/1.1\r\n")
    }

    @Test func localAndUnknownKeepTheSocketPeer() throws {
        for header in [Array("PROXY UNKNOWN\r\n".utf8),
                       ProxyV2.header(command: 0x0, family: 0x1, source: [1, 1, 1, 1], destination: [2, 2, 2, 2],
                                      ports: (1, 2))] {
            let connection = try Connection(peer: Self.balancer)
            try connection.send(header + Array(Self.request.utf8))
            #expect(connection.origins.withLockedValue { $0.map(\.client) } == [IPAddress("10.0.0.9")])
            #expect(try connection.received() == Self.request)
            #expect(connection.counters.local.load(ordering: .relaxed) == 1)
        }
    }

    @Test func trustedPeerWithoutHeaderIsClosed() throws {
        let connection = try Connection(peer: Self.balancer)
        try connection.send(Array(Self.request.utf8))
        #expect(!connection.channel.isActive)
        #expect(connection.origins.withLockedValue { $0.isEmpty })
        #expect(connection.counters.rejectedInvalid.load(ordering: .relaxed) == 1)
    }

    @Test func garbageAndOversizeAreClosed() throws {
        let inputs: [[UInt8]] = [
            Array("PROXY TCP4 nonsense\r\n".utf8),
            Array(("PROXY TCP4 " + String(repeating: "9", count: 300)).utf8),
            ProxyV2.signature + [0x21, 0x11, 0x40, 0x00],
            [0xFF, 0x00, 0x13],
        ]
        for input in inputs {
            let connection = try Connection(peer: Self.balancer)
            try connection.send(input)
            #expect(!connection.channel.isActive)
            #expect(connection.counters.rejectedInvalid.load(ordering: .relaxed) == 1)
            #expect(connection.origins.withLockedValue { $0.isEmpty })
        }
    }

    @Test func untrustedPeerIsADirectClientAndMayNotSendAHeader() throws {
        let direct = try Connection(peer: Self.stranger)
        try direct.send(Array(Self.request.utf8))
        #expect(direct.origins.withLockedValue { $0.map(\.client) } == [IPAddress("198.51.100.4")])
        #expect(try direct.received() == Self.request)
        #expect(direct.events.events.isEmpty)
        #expect(direct.counters.direct.load(ordering: .relaxed) == 1)

        let forger = try Connection(peer: Self.stranger)
        try forger.send(Array("PROXY TCP4 1.1.1.1 2.2.2.2 1 2\r\n".utf8) + Array(Self.request.utf8))
        #expect(!forger.channel.isActive)
        #expect(forger.origins.withLockedValue { $0.isEmpty })
        #expect(forger.counters.rejectedUntrusted.load(ordering: .relaxed) == 1)
    }

    @Test func headerThatNeverCompletesTimesOut() throws {
        let connection = try Connection(peer: Self.balancer, timeout: .seconds(5))
        try connection.send(Array("PROXY TCP4 1.2".utf8))
        connection.channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(connection.channel.isActive)
        connection.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!connection.channel.isActive)
        #expect(connection.counters.timedOut.load(ordering: .relaxed) == 1)
    }

    @Test func withoutProxyProtocolTheListenerIsInstalledAtOnce() throws {
        let channel = EmbeddedChannel()
        channel.remoteAddress = Self.stranger
        let origins = NIOLockedValueBox<[ConnectionOrigin]>([])
        try ConnectionPreamble().configure(channel: channel) { origin in origins.withLockedValue { $0.append(origin) } }
        #expect(origins.withLockedValue { $0.map(\.client) } == [IPAddress("198.51.100.4")])
        try channel.writeInbound(ByteBuffer(string: "PROXY TCP4 1.1.1.1 2.2.2.2 1 2\r\n"))
        #expect(try channel.readInbound(as: ByteBuffer.self).map { String(buffer: $0) } == "PROXY TCP4 1.1.1.1 2.2.2.2 1 2\r\n")
    }
}
