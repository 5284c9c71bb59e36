import NIOWebSocket
import Testing

@testable import EdgeProxy

/// `GatewayRelayStateMachine`: the per-session rules of CONTRACT section 4, with time passed in.
@Suite struct GatewayRelayStateMachineTests {
    private let second: Int64 = 1_000_000_000
    private let limits = GatewayRelayStateMachine.Limits(
        messageLimit: 3, messageWindowNanos: 10 * 1_000_000_000, maxMessageSize: 100,
        pingWindowNanos: 60 * 1_000_000_000)

    @Test func messagesOverTheLimitInAWindowClose4008AndANewWindowStartsAfresh() {
        var machine = GatewayRelayStateMachine(now: 0)
        for i in 0..<3 {
            #expect(machine.clientFrame(opcode: .text, fin: true, length: 5, now: Int64(i) * second, limits: limits)
                    == .forward)
        }
        var fresh = machine
        #expect(machine.clientFrame(opcode: .text, fin: true, length: 5, now: 9 * second, limits: limits)
                == .close(.rateLimited))
        #expect(GatewayRelayStateMachine.CloseReason.rateLimited.code == 4008)
        // The window runs from the first message (t = 0): at 10 s a new one begins.
        #expect(fresh.clientFrame(opcode: .binary, fin: true, length: 5, now: 10 * second, limits: limits) == .forward)
        // Control frames are not messages.
        for _ in 0..<10 { #expect(fresh.clientFrame(opcode: .ping, fin: true, length: 0, now: 11 * second, limits: limits) == .forward) }
    }

    @Test func fragmentedMessagesCountOnceAndTheirSizeAddsUp() {
        var machine = GatewayRelayStateMachine(now: 0)
        #expect(machine.clientFrame(opcode: .text, fin: false, length: 60, now: 0, limits: limits) == .forward)
        // A new message while one is open is a protocol error; a continuation is not.
        var interleaved = machine
        #expect(interleaved.clientFrame(opcode: .text, fin: true, length: 1, now: 0, limits: limits) == .close(.protocolError))
        #expect(machine.clientFrame(opcode: .continuation, fin: false, length: 40, now: 0, limits: limits) == .forward)
        #expect(machine.clientFrame(opcode: .continuation, fin: true, length: 1, now: 0, limits: limits)
                == .close(.messageTooBig))  // 101 bytes > 100
        #expect(GatewayRelayStateMachine.CloseReason.messageTooBig.code == 1009)

        var stray = GatewayRelayStateMachine(now: 0)
        #expect(stray.clientFrame(opcode: .continuation, fin: true, length: 1, now: 0, limits: limits) == .close(.protocolError))
        var oneFrameTooBig = GatewayRelayStateMachine(now: 0)
        #expect(oneFrameTooBig.clientFrame(opcode: .binary, fin: true, length: 101, now: 0, limits: limits) == .close(.messageTooBig))
    }

    @Test func aClientSilentForThePingWindowIsClosed4009AndPingsMoveTheDeadline() {
        var machine = GatewayRelayStateMachine(now: 0)
        #expect(machine.pingCheck(now: 59 * second, limits: limits) == .forward)
        #expect(machine.clientFrame(opcode: .ping, fin: true, length: 0, now: 30 * second, limits: limits) == .forward)
        #expect(machine.pingCheck(now: 89 * second, limits: limits) == .forward)
        // Text is not a ping: it does not keep the session alive.
        #expect(machine.clientFrame(opcode: .text, fin: true, length: 1, now: 80 * second, limits: limits) == .forward)
        #expect(machine.pingCheck(now: 90 * second, limits: limits) == .close(.sessionTimedOut))
        #expect(GatewayRelayStateMachine.CloseReason.sessionTimedOut.code == 4009)
        #expect(machine.isClosing)
    }

    @Test func onceClosingOnlyTheClientsCloseFrameGoesUpstream() {
        var machine = GatewayRelayStateMachine(now: 0)
        #expect(machine.close(.goingAway) == .close(.goingAway))
        #expect(machine.close(.upstreamFailed) == .drop)  // decided once
        #expect(machine.clientFrame(opcode: .text, fin: true, length: 1, now: 0, limits: limits) == .drop)
        #expect(machine.clientFrame(opcode: .ping, fin: true, length: 0, now: 0, limits: limits) == .drop)
        #expect(machine.clientFrame(opcode: .connectionClose, fin: true, length: 2, now: 0, limits: limits) == .forward)
        #expect(machine.pingCheck(now: 1_000 * second, limits: limits) == .drop)

        var clientClosed = GatewayRelayStateMachine(now: 0)
        #expect(clientClosed.clientFrame(opcode: .connectionClose, fin: true, length: 2, now: 0, limits: limits) == .forward)
        #expect(clientClosed.isClosing)
        #expect(clientClosed.clientFrame(opcode: .text, fin: true, length: 1, now: 0, limits: limits) == .drop)
    }

    @Test func reservedOpcodesAreProtocolErrors() {
        var machine = GatewayRelayStateMachine(now: 0)
        #expect(machine.clientFrame(opcode: WebSocketOpcode(encodedWebSocketOpcode: 0x3)!, fin: true, length: 0, now: 0,
                                    limits: limits) == .close(.protocolError))
    }
}
