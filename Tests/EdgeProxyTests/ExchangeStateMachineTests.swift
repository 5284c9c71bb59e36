import NIOCore
import Testing

@testable import EdgeProxy

/// The exchange state machine alone: no channels, every transition the handler relies on.
@Suite struct ExchangeStateMachineTests {
    private func buffer(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    @Test func relayedExchangeWithKeepAlive() {
        var machine = ExchangeStateMachine()
        guard case .connectUpstream = machine.requestHead(keepAlive: true, localResponse: nil) else {
            Issue.record("expected connect"); return
        }
        #expect(machine.requestBody(buffer("ab")).isNone)
        #expect(machine.requestEnd().isNone)
        guard case .sendRequest(let held, let end) = machine.upstreamConnected() else {
            Issue.record("expected send"); return
        }
        #expect(held.count == 1)
        #expect(end)
        guard case .writeResponseHead = machine.responseHead() else { Issue.record("head"); return }
        guard case .writeResponseBody = machine.responseBody() else { Issue.record("body"); return }
        guard case .finishResponse(reuseUpstream: true, closeClient: false) = machine.responseEnd(upstreamKeepAlive: true)
        else { Issue.record("finish"); return }
        #expect(machine.isIdle)
    }

    @Test func bodyStreamsAfterConnect() {
        var machine = ExchangeStateMachine()
        _ = machine.requestHead(keepAlive: true, localResponse: nil)
        _ = machine.upstreamConnected()
        guard case .forwardBody = machine.requestBody(buffer("x")) else { Issue.record("forward"); return }
        guard case .forwardEnd = machine.requestEnd() else { Issue.record("end"); return }
    }

    @Test func heldBytesPauseClientReads() {
        var machine = ExchangeStateMachine()
        _ = machine.requestHead(keepAlive: true, localResponse: nil)
        _ = machine.requestBody(ByteBuffer(repeating: 0, count: ExchangeStateMachine.holdLimit - 1))
        #expect(!machine.shouldPauseClientReads)
        _ = machine.requestBody(ByteBuffer(repeating: 0, count: 1))
        #expect(machine.shouldPauseClientReads)
        _ = machine.upstreamConnected()
        #expect(!machine.shouldPauseClientReads)
    }

    @Test func localAnswerDrainsTheBodyThenIdles() {
        var machine = ExchangeStateMachine()
        guard case .respond(_, close: false) = machine.requestHead(keepAlive: true, localResponse: .badGateway)
        else { Issue.record("respond"); return }
        #expect(machine.requestBody(buffer("dropped")).isNone)
        guard case .becomeIdle = machine.requestEnd() else { Issue.record("idle"); return }
    }

    @Test func localAnswerWithoutKeepAliveCloses() {
        var machine = ExchangeStateMachine()
        _ = machine.requestHead(keepAlive: false, localResponse: .badGateway)
        guard case .closeClient = machine.requestEnd() else { Issue.record("close"); return }
    }

    @Test func declaredOversizeClosesAtOnce() {
        var machine = ExchangeStateMachine()
        guard case .respond(_, close: true) = machine.requestHead(
            keepAlive: true, localResponse: .bodyTooLarge, closeAfterLocal: true)
        else { Issue.record("respond+close"); return }
    }

    @Test func connectFailureAnswers502Or504() {
        var machine = ExchangeStateMachine()
        _ = machine.requestHead(keepAlive: true, localResponse: nil)
        _ = machine.requestEnd()
        guard case .failUpstream(let response, closeClient: false) = machine.upstreamConnectFailed(timedOut: false)
        else { Issue.record("502"); return }
        #expect(response.status == .badGateway)
        #expect(machine.isIdle)

        _ = machine.requestHead(keepAlive: true, localResponse: nil)
        _ = machine.requestEnd()
        guard case .failUpstream(let timeout, _) = machine.upstreamConnectFailed(timedOut: true)
        else { Issue.record("504"); return }
        #expect(timeout.status == .gatewayTimeout)
    }

    @Test func failureMidRequestBodyClosesTheClient() {
        var machine = ExchangeStateMachine()
        _ = machine.requestHead(keepAlive: true, localResponse: nil)
        guard case .failUpstream(_, closeClient: true) = machine.upstreamConnectFailed(timedOut: false)
        else { Issue.record("close"); return }
    }

    @Test func upstreamBreakingAfterTheHeadAbortsTheClient() {
        var machine = ExchangeStateMachine()
        _ = machine.requestHead(keepAlive: true, localResponse: nil)
        _ = machine.requestEnd()
        _ = machine.upstreamConnected()
        _ = machine.responseHead()
        guard case .abortClient = machine.upstreamFailed() else { Issue.record("abort"); return }
    }

    @Test func readTimeoutBeforeTheHeadIs504() {
        var machine = ExchangeStateMachine()
        _ = machine.requestHead(keepAlive: true, localResponse: nil)
        _ = machine.requestEnd()
        _ = machine.upstreamConnected()
        guard case .failUpstream(let response, _) = machine.readTimedOut() else { Issue.record("504"); return }
        #expect(response.status == .gatewayTimeout)
    }

    @Test func earlyUpstreamResponseDiscardsTheConnectionAndDrains() {
        var machine = ExchangeStateMachine()
        _ = machine.requestHead(keepAlive: true, localResponse: nil)
        _ = machine.upstreamConnected()
        _ = machine.responseHead()
        guard case .finishResponse(reuseUpstream: false, closeClient: false) = machine.responseEnd(upstreamKeepAlive: true)
        else { Issue.record("finish"); return }
        #expect(machine.requestBody(buffer("late")).isNone)
        guard case .becomeIdle = machine.requestEnd() else { Issue.record("idle"); return }
    }

    @Test func oversizeStreamingBody() {
        var machine = ExchangeStateMachine()
        _ = machine.requestHead(keepAlive: true, localResponse: nil)
        _ = machine.upstreamConnected()
        guard case .failUpstream(let response, closeClient: true) = machine.requestBodyTooLarge()
        else { Issue.record("413"); return }
        #expect(response.status == .payloadTooLarge)
    }

    @Test func staleConnectionRetry() {
        var machine = ExchangeStateMachine()
        _ = machine.requestHead(keepAlive: true, localResponse: nil)
        _ = machine.requestEnd()
        _ = machine.upstreamConnected()
        machine.retryUpstream()
        guard case .sendRequest(_, end: true) = machine.upstreamConnected() else { Issue.record("resend"); return }
    }

    @Test func clientLeavingDiscardsABusyUpstream() {
        var machine = ExchangeStateMachine()
        _ = machine.requestHead(keepAlive: true, localResponse: nil)
        guard case .discardUpstream = machine.clientClosed() else { Issue.record("discard"); return }
        var idle = ExchangeStateMachine()
        #expect(idle.clientClosed().isNone)
    }
}

extension ExchangeStateMachine.Action {
    var isNone: Bool {
        if case .none = self { return true }
        return false
    }
}
