import NIOCore

/// Closing right after answering loses the answer when the client is still sending: the kernel resets a
/// connection closed with unread input, and a reset discards what the client had not read yet (a 413 or
/// 429 vanishes). Like nginx's `lingering_close`, shut down our side for writing (the client sees the end
/// of the response), keep discarding input, and close for good when the client does or after `linger`.
enum LingeringClose {
    static let linger: TimeAmount = .seconds(2)

    static func close(_ context: ChannelHandlerContext) {
        let channel = context.channel
        context.close(mode: .output).assumeIsolated().whenComplete { result in
            if case .failure = result {
                channel.close(promise: nil)
                return
            }
            channel.eventLoop.assumeIsolated().scheduleTask(in: linger) { channel.close(promise: nil) }
        }
    }
}
