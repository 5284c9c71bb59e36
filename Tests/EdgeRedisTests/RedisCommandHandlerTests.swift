import NIOCore
import NIOEmbedded
import Testing

@testable import EdgeRedis

@Suite("Command pipelining on one connection")
struct RedisCommandHandlerTests {
    static func channel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(RESPDecoder()))
        try channel.pipeline.syncOperations.addHandler(RedisCommandHandler())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        return channel
    }

    static func send(_ channel: EmbeddedChannel, _ arguments: [String], timeout: TimeAmount = .seconds(1))
        -> EventLoopFuture<RESPValue>
    {
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        let request = RedisRequest(
            command: RESPCommand(arguments), promise: promise, deadline: channel.eventLoop.now + timeout)
        channel.writeAndFlush(request, promise: nil)
        return promise.futureResult
    }

    @Test("replies complete commands in the order they were sent; an error reply fails only its command")
    func pipelining() throws {
        let channel = try Self.channel()
        let a = Self.send(channel, ["PING"])
        let b = Self.send(channel, ["EVALSHA", "x", "0"])
        let c = Self.send(channel, ["GET", "k"])
        var written = ByteBuffer()
        while var chunk = try channel.readOutbound(as: ByteBuffer.self) { written.writeBuffer(&chunk) }
        #expect(
            String(buffer: written)
                == "*1\r\n$4\r\nPING\r\n*3\r\n$7\r\nEVALSHA\r\n$1\r\nx\r\n$1\r\n0\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n")
        try channel.writeInbound(ByteBuffer(string: "+PONG\r\n-NOSCRIPT No matching script\r\n$1\r\nv\r\n"))
        #expect(try a.wait() == .simpleString("PONG"))
        #expect(throws: RedisClientError.server("NOSCRIPT No matching script")) { try b.wait() }
        #expect(try c.wait() == .bulkString(ByteBuffer(string: "v")))
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test("a timed-out command fails every pending one and closes the connection")
    func timeout() throws {
        let channel = try Self.channel()
        let a = Self.send(channel, ["PING"], timeout: .milliseconds(100))
        let b = Self.send(channel, ["PING"], timeout: .milliseconds(300))
        try channel.writeInbound(ByteBuffer(string: "+PONG\r\n"))
        #expect(try a.wait() == .simpleString("PONG"))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(100))
        #expect(throws: RedisClientError.commandTimeout(command: "PING")) { try b.wait() }
        #expect(!channel.isActive)
    }

    @Test("closing the connection fails the commands in flight")
    func closed() throws {
        let channel = try Self.channel()
        let a = Self.send(channel, ["PING"])
        try channel.close().wait()
        #expect(throws: RedisClientError.connectionClosed) { try a.wait() }
    }

    @Test("a reply nobody asked for is a protocol error")
    func unexpectedReply() throws {
        let channel = try Self.channel()
        try channel.writeInbound(ByteBuffer(string: "+OK\r\n"))
        #expect(!channel.isActive)
    }
}
