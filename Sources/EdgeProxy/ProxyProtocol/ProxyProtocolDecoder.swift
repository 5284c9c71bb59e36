import EdgeCore
import NIOCore

/// Reads the PROXY protocol header at the start of a connection, then leaves the pipeline.
///
/// Runs `ProxyProtocolParser` over the bytes received so far. On a header (or, for an untrusted peer, on
/// the first bytes that are clearly not one) it calls `onOrigin` (which installs the rest of the
/// pipeline after it), fires `ProxyProtocolHeaderReceived`, passes on every byte after the header and
/// removes itself. An invalid header, a missing one from a trusted peer, a header from an untrusted peer
/// or a header that does not arrive within `timeout` closes the connection and is counted.
struct ProxyProtocolDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    private var parser: ProxyProtocolParser
    private let timeout: TimeAmount
    private let counters: ProxyProtocolCounters?
    private let onOrigin: (ConnectionOrigin) throws -> Void
    /// Decided: `passing` after a header (or none, for an untrusted peer), `rejected` after closing.
    private var passing = false
    private var rejected = false
    private var timer: Scheduled<Void>?

    /// - Parameters:
    ///   - peerTrusted: the socket peer is in `client_ip.trusted_proxies`: it must send a header; anyone else
    ///     must not.
    ///   - onOrigin: called once, on the channel's loop, with the connection's origin; installs the handlers
    ///     that follow (HTTP...). Throwing closes the connection.
    init(
        peerTrusted: Bool, timeout: TimeAmount, maximumV2Length: Int = 2048, counters: ProxyProtocolCounters?,
        onOrigin: @escaping (ConnectionOrigin) throws -> Void
    ) {
        self.parser = ProxyProtocolParser(expectation: peerTrusted ? .required : .forbidden,
                                          maximumV2Length: maximumV2Length)
        self.timeout = timeout
        self.counters = counters
        self.onOrigin = onOrigin
    }

    mutating func decoderAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        let counters = self.counters
        timer = context.eventLoop.scheduleTask(in: timeout) {
            counters?.count(.timedOut)
            channel.close(promise: nil)
        }
    }

    mutating func decoderRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard !passing, !rejected else { return .needMoreData }
        switch parser.parse(buffer) {
        case .needMoreData:
            return .needMoreData
        case .header(let header, let length):
            buffer.moveReaderIndex(forwardBy: length)
            if header.source != nil {
                counters?.proxied.add(1, ordering: .relaxed)
            } else {
                counters?.local.add(1, ordering: .relaxed)
            }
            finish(ConnectionOrigin(peer: context.channel.remoteAddress, proxyHeader: header),
                   buffer: &buffer, context: context)
        case .noHeader:
            counters?.direct.add(1, ordering: .relaxed)
            finish(ConnectionOrigin(peer: context.channel.remoteAddress, proxyHeader: nil),
                   buffer: &buffer, context: context)
        case .invalid(let error):
            reject(error, context: context)
        }
        return .needMoreData
    }

    /// Bytes that arrived while the removal was pending (or at EOF) follow the ones already passed on.
    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        if passing {
            forward(&buffer, context: context)
        } else {
            // Closed (or removed by someone else) before the preamble ended: nothing to pass on.
            buffer.moveReaderIndex(to: buffer.writerIndex)
            timer?.cancel()
        }
        return .needMoreData
    }

    private mutating func finish(_ origin: ConnectionOrigin, buffer: inout ByteBuffer, context: ChannelHandlerContext) {
        passing = true
        timer?.cancel()
        timer = nil
        do {
            try onOrigin(origin)
        } catch {
            context.close(promise: nil)
            return
        }
        if origin.proxyHeader != nil {
            context.fireUserInboundEventTriggered(ProxyProtocolHeaderReceived(origin: origin))
        }
        forward(&buffer, context: context)
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private mutating func reject(_ error: ProxyProtocolError, context: ChannelHandlerContext) {
        rejected = true
        timer?.cancel()
        timer = nil
        counters?.count(error)
        context.close(promise: nil)
    }

    private func forward(_ buffer: inout ByteBuffer, context: ChannelHandlerContext) {
        guard buffer.readableBytes > 0 else { return }
        let rest = buffer.readSlice(length: buffer.readableBytes)!
        context.fireChannelRead(NIOAny(rest))
        context.fireChannelReadComplete()
    }
}
