import EdgeCore
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL

@testable import EdgeProxy

/// A temporary directory with self-signed certificates made by `openssl` for TLS tests.
final class TLSFixture {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ayaka-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Writes `<name>.crt` and `<name>.key`: an EC P-256 key and a self-signed certificate for `localhost`.
    @discardableResult
    func makeCertificate(_ name: String, commonName: String = "localhost") throws -> (certificate: String, key: String) {
        let certificate = path("\(name).crt")
        let key = path("\(name).key")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", key, "-out", certificate, "-days", "2", "-subj", "/CN=\(commonName)",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw FixtureError.openssl(process.terminationStatus) }
        return (certificate, key)
    }

    func write(_ name: String, _ text: String) throws -> String {
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    enum FixtureError: Error { case openssl(Int32) }
}

/// A loopback server whose connections go through a `ConnectionPreamble`, then echo each read prefixed with
/// the client address the preamble reported: `"<client ip>|<bytes>"`.
struct EchoServer {
    let channel: any Channel
    var port: Int { channel.localAddress!.port! }

    static func start(preamble: ConnectionPreamble) async throws -> EchoServer {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try preamble.configure(channel: channel) { origin in
                        try channel.pipeline.syncOperations.addHandler(EchoHandler(client: origin.client))
                    }
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return EchoServer(channel: channel)
    }

    func stop() async { try? await channel.close() }
}

final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let client: String

    init(client: IPAddress?) { self.client = client.map { "\($0)" } ?? "?" }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var reply = context.channel.allocator.buffer(string: client + "|")
        var input = unwrapInboundIn(data)
        reply.writeBuffer(&input)
        context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
    }
}

/// A client that optionally sends a PROXY header in clear, then optionally speaks TLS (no verification:
/// the certificates are self-signed), sends one message and waits for the first reply.
enum EchoClient {
    static func exchange(port: Int, proxyHeader: [UInt8]? = nil, tls: Bool, message: String) async throws -> String {
        let reply = MultiThreadedEventLoopGroup.singleton.next().makePromise(of: String.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.eventLoop.submit {
            let sync = channel.pipeline.syncOperations
            if let proxyHeader { channel.writeAndFlush(ByteBuffer(bytes: proxyHeader), promise: nil) }
            if tls {
                var configuration = TLSConfiguration.makeClientConfiguration()
                configuration.certificateVerification = .none
                let context = try NIOSSLContext(configuration: configuration)
                try sync.addHandler(NIOSSLClientHandler(context: context, serverHostname: "localhost"))
            }
            try sync.addHandler(ReplyCollector(promise: reply))
        }.get()
        try await channel.writeAndFlush(ByteBuffer(string: message))
        defer { channel.close(promise: nil) }
        return try await reply.futureResult.get()
    }

    final class ReplyCollector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let promise: EventLoopPromise<String>
        init(promise: EventLoopPromise<String>) { self.promise = promise }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            promise.succeed(String(buffer: unwrapInboundIn(data)))
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { promise.fail(error) }

        func channelInactive(context: ChannelHandlerContext) {
            promise.fail(ChannelError.ioOnClosedChannel)
            context.fireChannelInactive()
        }
    }
}
