import CompressNIO
import Foundation
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket

/// A gateway client for tests: connects, records every server message (inflating zlib ones) and sends what the
/// test asks, until the server closes or the test does.
public final class GatewayProbe: Sendable {
    /// A received message: its JSON text and whether it came as a binary frame.
    public struct Message: Sendable {
        public let text: String
        public let binary: Bool

        public var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
        }

        public var type: String? { json["t"] as? String }
        public var data: [String: Any] { json["d"] as? [String: Any] ?? [:] }
    }

    private enum Command: Sendable {
        case text(String)
        case close
    }

    static let logger: Logger = {
        var logger = Logger(label: "gateway-probe")
        logger.logLevel = .warning
        return logger
    }()

    private let inbox = Inbox()
    private let commands: AsyncStream<Command>.Continuation
    private let connection: Task<WebSocketCloseFrame?, any Error>

    public init(port: Int, autoPing: AutoPingSetup = .disabled, path: String = "/") {
        let (commandStream, commands) = AsyncStream.makeStream(of: Command.self)
        let inbox = self.inbox
        self.commands = commands
        self.connection = Task {
            defer { Task { await inbox.finish() } }
            return try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(port)\(path)",
                configuration: .init(maxFrameSize: 1 << 20, autoPing: autoPing),
                logger: GatewayProbe.logger
            ) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await command in commandStream {
                            switch command {
                            case .text(let text): try await outbound.write(.text(text))
                            case .close:
                                try await outbound.close(.normalClosure, reason: nil)
                                return
                            }
                        }
                    }
                    for try await message in inbound.messages(maxSize: 1 << 22) {
                        await inbox.append(try Self.decode(message))
                    }
                    group.cancelAll()
                }
            }
        }
    }

    public func send(_ text: String) {
        commands.yield(.text(text))
    }

    public func identify(_ session: String, encoding: String? = nil) {
        if let encoding {
            send(#"{"session_id": "\#(session)", "encoding": "\#(encoding)"}"#)
        } else {
            send(#"{"session_id": "\#(session)"}"#)
        }
    }

    /// The next server message, or `nil` once the connection is closed.
    public func next() async -> Message? {
        await inbox.next()
    }

    /// The next message, which must be of type `t`.
    public func expect(_ t: String) async throws -> Message {
        guard let message = await next() else { throw TestFailure("connection closed while waiting for \(t)") }
        guard message.type == t else { throw TestFailure("expected \(t), got \(message.text)") }
        return message
    }

    /// The first message of type `t`, skipping others (events the test does not care about).
    public func skip(to t: String) async throws -> Message {
        while let message = await next() {
            if message.type == t { return message }
        }
        throw TestFailure("connection closed while waiting for \(t)")
    }

    /// Closes from the client side and returns the server's close frame, if any.
    @discardableResult public func close() async throws -> WebSocketCloseFrame? {
        commands.yield(.close)
        return try await connection.value
    }

    /// Waits for the server to close the connection and returns its close frame.
    public func closedByServer() async throws -> WebSocketCloseFrame? {
        try await connection.value
    }

    private static func decode(_ message: WebSocketMessage) throws -> Message {
        switch message {
        case .text(let text):
            return Message(text: text, binary: false)
        case .binary(var buffer):
            let inflated = try buffer.decompress(with: .zlib())
            return Message(text: String(buffer: inflated), binary: true)
        }
    }
}

/// An unbounded queue with one waiting reader.
private actor Inbox {
    private var buffer: [GatewayProbe.Message] = []
    private var finished = false
    private var waiter: CheckedContinuation<GatewayProbe.Message?, Never>?

    public func append(_ message: GatewayProbe.Message) {
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: message)
        } else {
            buffer.append(message)
        }
    }

    public func finish() {
        finished = true
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: nil)
        }
    }

    public func next() async -> GatewayProbe.Message? {
        if !buffer.isEmpty { return buffer.removeFirst() }
        if finished { return nil }
        return await withCheckedContinuation { waiter = $0 }
    }
}
