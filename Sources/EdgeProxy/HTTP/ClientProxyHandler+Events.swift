import NIOCore
import NIOHTTP1

/// The client handler's answers to events outside an exchange: the drain on shutdown and parser errors.
extension ClientProxyHandler {
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is DrainRequested else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        draining = true
        if machine.isIdle {
            context.close(promise: nil)
        } else {
            // Finish the exchange under way, tell the client (`Connection: close` if the head is still to
            // come), then close.
            closeClientAfterResponse = true
        }
    }

    // MARK: errors

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.close(promise: nil)
            return
        }
        // The decoder closes the connection right after this; answer first if no response is under way.
        if !responseInProgress {
            let response: LocalResponse = parserError == .headerOverflow ? .headersTooLarge : .badRequest
            admission = .relay()
            writeLocal(response, close: true, context: context)
        }
        run(machine.clientClosed())
    }
}
