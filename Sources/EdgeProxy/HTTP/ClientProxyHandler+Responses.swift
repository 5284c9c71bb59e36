import NIOCore
import NIOHTTP1

/// The client handler's writes: responses go out as bytes (`ClientResponseWriter`), bodies framed as the
/// response's `ResponseFraming` says.
extension ClientProxyHandler {
    /// The relayed head held back for the body's first piece (`pendingHead`), if any.
    func writePendingHead(context: ChannelHandlerContext) {
        guard let head = pendingHead else { return }
        pendingHead = nil
        context.write(wrapOutboundOut(head), promise: nil)
        pool?.headBuffers.giveBack(head, .response)
    }

    /// A relayed body piece, as `framing` says: as is, as a chunk, or not at all (HEAD).
    func writeBody(_ buffer: ByteBuffer, context: ChannelHandlerContext) {
        guard !framing.suppressed, buffer.readableBytes > 0 else { return }
        guard framing.chunked else { return context.write(wrapOutboundOut(buffer), promise: nil) }
        context.write(wrapOutboundOut(ResponseFraming.chunkSizeLine(buffer.readableBytes,
                                                                    allocator: allocator)),
                      promise: nil)
        context.write(wrapOutboundOut(buffer), promise: nil)
        context.write(wrapOutboundOut(ResponseFraming.chunkEnd), promise: nil)
    }

    /// Writes a complete response of the proxy's own in one buffer, with the admission's fields (rate limits);
    /// no body when it answers HEAD.
    func writeLocal(_ response: LocalResponse, close: Bool, context: ChannelHandlerContext) {
        let version = requestHead?.version ?? .http1_1
        let keepAlive = !close && !closeClientAfterResponse && (requestHead?.isKeepAlive ?? false)
        let bytes = ClientResponseWriter.localResponse(
            response, requestMethod: requestHead?.method, version: version, keepAlive: keepAlive,
            admission: admission, requestID: requestID, allocator: allocator
        )
        record.bytesOut = response.body.utf8.count
        record.finish(status: Int(response.status.code), admission: admission, shard: metrics, at: .now())
        if close {
            context.writeAndFlush(wrapOutboundOut(bytes)).assumeIsolated().whenComplete { _ in
                LingeringClose.close(context)
            }
        } else {
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        }
    }
}
