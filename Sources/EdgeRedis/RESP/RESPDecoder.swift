import NIOCore

/// The channel side of `RESPParser`: bytes in, one `RESPValue` out per complete reply.
public struct RESPDecoder: ByteToMessageDecoder {
    public typealias InboundOut = RESPValue

    private var parser: RESPParser

    public init(limits: RESPLimits = RESPLimits()) {
        parser = RESPParser(limits: limits)
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try parser.next(&buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(value))
        return .continue
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }
}
