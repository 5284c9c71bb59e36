import NIOCore
import NIOHTTP1

/// The client handler's answers to events outside an exchange: the drain on shutdown and malformed requests.
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
        context.close(promise: nil)
    }

    /// The client's bytes are not HTTP/1.1 (`ClientRequestParser` reads nothing more): answer if no response is
    /// under way (431 for a head over the limit, 414 for a request line, else 400), then close.
    func refuseMalformed(_ error: HTTPWire.ParseError?, context: ChannelHandlerContext) {
        if responseInProgress {
            context.close(promise: nil)
        } else {
            let response: LocalResponse
            switch error {
            case .headTooLarge: response = .headersTooLarge
            case .uriTooLong: response = .uriTooLong
            default: response = .badRequest
            }
            admission = .relay()
            writeLocal(response, close: true, context: context)
        }
        run(machine.clientClosed())
    }
}
