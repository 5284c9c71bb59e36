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

/// Writes `bytes` (a PROXY header) straight to the socket when the connection opens, before any handler
/// behind it (TLS, HTTP) writes anything.
final class PrefaceWriter: ChannelInboundHandler {
    typealias InboundIn = NIOAny
    typealias OutboundOut = ByteBuffer
    let bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: bytes)), promise: nil)
        context.fireChannelActive()
    }
}

/// Client-side TLS for tests against the proxy's listeners.
enum TestTLS {
    /// A TLS client handler that accepts any certificate, or only `trusting` (hostnames unchecked).
    static func clientHandler(trusting certificate: String? = nil) throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: NIOSSLContext(configuration: configuration(trusting: certificate)),
                                serverHostname: "localhost")
    }

    static func configuration(trusting certificate: String? = nil) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let certificate {
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(certificate))
            configuration.certificateVerification = .noHostnameVerification
        } else {
            configuration.certificateVerification = .none
        }
        return configuration
    }
}

/// PROXY protocol headers as a load balancer sends them.
enum ProxyHeaderBytes {
    static func v1(source: String, destination: String = "10.0.0.1") -> [UInt8] {
        Array("PROXY TCP4 \(source) \(destination) 56324 443\r\n".utf8)
    }

    /// A v2 `PROXY` header over TCP/IPv4 or IPv6.
    static func v2(source: String, destination: String = "10.0.0.1") -> [UInt8] {
        let source = IPAddress(source)!
        let family: UInt8 = if case .v4 = source { 1 } else { 2 }
        let destination = family == 1 ? IPAddress(destination)! : IPAddress("2001:db8::1")!
        return ProxyV2.header(command: 0x1, family: family, source: ProxyV2.bytes(source),
                              destination: ProxyV2.bytes(destination), ports: (56324, 443))
    }
}
