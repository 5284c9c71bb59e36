import CompressNIO
import HummingbirdWebSocket
import Logging
import NIOCore
import Synchronization

/// One gateway WebSocket: identify, READY and GUILD_INITs, then live events and client presence updates, until
/// the client leaves or a rule closes it.
///
/// Four child tasks race; the first to decide the connection's fate ends it:
/// the session (reads client messages), the event pump (writes hub events once READY is out), the identify timer
/// (4003) and the keepalive watchdog (4009).
///
/// The first client message must be the identify payload: not JSON (or a `session_id` that is not a string, an
/// unknown `encoding`) → 4002; a JSON object without `session_id` → 4003; an unknown session → 4004. Afterwards a
/// message that is not a JSON object with a string `t` → 4002; `PRESENCE_UPDATE` needs an object `d` (else 4002);
/// other `t` values are ignored.
struct GatewayConnection: Sendable {
    /// Largest client message accepted (a bigger one closes the connection with 1009).
    static let maxMessageSize = 1 << 16

    let backend: BackendContext
    let keepalive: KeepaliveTracker
    let logger: Logger

    private enum Outcome: Sendable {
        case close(GatewayCloseReason)
        case ended
        case keepGoing
    }

    private final class State: Sendable {
        let identifyReceived = Mutex(false)
        let subscription = Mutex<GatewayHub.Subscription?>(nil)
        let encoding = Mutex(GatewayEncoding.json)
    }

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let state = State()
        let (handoff, handoffContinuation) = AsyncStream.makeStream(of: GatewayHub.Subscription.self)
        // Leave the hub however the connection ends (a failed write throws out of the group).
        func leaveHub() async {
            handoffContinuation.finish()
            if let subscription = state.subscription.withLock({ $0 }) {
                await backend.hub.unsubscribe(subscription)
            }
        }
        let reason: GatewayCloseReason?
        do {
            reason = try await race(
                inbound: inbound,
                outbound: outbound,
                state: state,
                handoff: handoff,
                handoffContinuation: handoffContinuation
            )
        } catch {
            await leaveHub()
            throw error
        }
        await leaveHub()
        if let reason {
            logger.debug("Closing gateway connection", metadata: ["code": "\(reason.code)", "reason": "\(reason.text)"])
            try await outbound.close(reason.code, reason: reason.text)
        }
    }

    /// Runs the four child tasks until one decides; `nil` when the client ended the connection.
    private func race(
        inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter,
        state: State,
        handoff: AsyncStream<GatewayHub.Subscription>,
        handoffContinuation: AsyncStream<GatewayHub.Subscription>.Continuation
    ) async throws -> GatewayCloseReason? {
        try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addTask {
                try await session(inbound: inbound, outbound: outbound, state: state, handoff: handoffContinuation)
            }
            group.addTask {
                for await subscription in handoff {
                    for await event in subscription.events {
                        try await send(event, encoding: state.encoding.withLock { $0 }, to: outbound)
                    }
                    return Task.isCancelled ? .ended : .close(.tooSlow)
                }
                return .keepGoing
            }
            group.addTask {
                try await Task.sleep(for: backend.configuration.identifyTimeout)
                return state.identifyReceived.withLock { $0 } ? .keepGoing : .close(.notAuthenticated)
            }
            group.addTask {
                try await keepalive.waitForTimeout()
                return .close(.sessionTimedOut)
            }
            defer { group.cancelAll() }
            while let outcome = try await group.next() {
                switch outcome {
                case .keepGoing: continue
                case .ended: return nil
                case .close(let reason): return reason
                }
            }
            return nil
        }
    }

    private func session(
        inbound: WebSocketInboundStream,
        outbound: WebSocketOutboundWriter,
        state: State,
        handoff: AsyncStream<GatewayHub.Subscription>.Continuation
    ) async throws -> Outcome {
        var messages = inbound.messages(maxSize: Self.maxMessageSize).makeAsyncIterator()
        guard let first = try await messages.next() else { return .ended }
        state.identifyReceived.withLock { $0 = true }
        let firstBytes = Self.bytes(of: first)
        guard let object = GatewayInbound.decode([String: JSONValue].self, from: firstBytes) else {
            return .close(.decodeError)
        }
        // A payload other than identify (no `session_id`) before identifying: not authenticated.
        guard object["session_id"] != nil else { return .close(.notAuthenticated) }
        guard let identify = GatewayInbound.decode(GatewayInbound.Identify.self, from: firstBytes) else {
            return .close(.decodeError)
        }
        guard let user = try await backend.store.user(sessionID: identify.sessionID) else {
            return .close(.authenticationFailed)
        }
        let encoding = identify.encoding ?? .json
        state.encoding.withLock { $0 = encoding }

        // Subscribe before reading the snapshot so that nothing published in between is lost.
        let subscription = await backend.hub.subscribe(userID: user.id)
        state.subscription.withLock { $0 = subscription }
        let sessions = try await backend.store.sessionIDs(userID: user.id)
        let guilds = try await backend.store.guildsWithChannels(userID: user.id)
        let ready = ReadyPayload(
            user: UserPayload(user: user, visibility: .own(sessionIDs: sessions)),
            sessionID: identify.sessionID,
            guilds: guilds.map(\.0.id)
        )
        try await send(.dispatch("READY", ready), encoding: encoding, to: outbound)
        for (guild, channels) in guilds {
            let initEvent = try GatewayEvent.dispatch("GUILD_INIT", GuildPayload(guild, channels: channels))
            try await send(initEvent, encoding: encoding, to: outbound)
        }
        handoff.yield(subscription)
        logger.debug("Gateway session ready", metadata: ["user": "\(user.id)", "guilds": "\(guilds.count)"])

        while let message = try await messages.next() {
            guard let event = GatewayInbound.decode(GatewayInbound.Event.self, from: Self.bytes(of: message)) else {
                return .close(.decodeError)
            }
            switch event.t {
            case "PRESENCE_UPDATE":
                guard case .object = event.d, let data = event.d else { return .close(.decodeError) }
                let audience = try await backend.store.userIDsSharingGuild(with: user.id)
                try await backend.hub.publish(.presence(userID: user.id, data: data), to: audience)
            default:
                logger.debug("Ignoring unknown gateway event", metadata: ["t": "\(event.t)"])
            }
        }
        return .ended
    }

    private func send(
        _ event: GatewayEvent,
        encoding: GatewayEncoding,
        to outbound: WebSocketOutboundWriter
    ) async throws {
        switch encoding {
        case .json:
            try await outbound.writeTextMessage(event.json)
        case .zlib:
            var text = ByteBuffer(string: event.json)
            try await outbound.writeBinaryMessage(try text.compress(with: .zlib()))
        }
    }

    private static func bytes(of message: WebSocketMessage) -> [UInt8] {
        switch message {
        case .text(let text): Array(text.utf8)
        case .binary(let buffer): Array(buffer.readableBytesView)
        }
    }
}
