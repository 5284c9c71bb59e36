import NIOCore
import NIOHTTP1

/// Reads a client connection's HTTP/1.1 requests (RFC 9112) from the bytes as they arrive, in place of NIO's
/// request decoder: no llhttp callbacks and no pipeline hop or boxing per part. Pipelined requests come out one
/// after the other; bodies as slices of the bytes read, de-chunked.
///
/// Each head comes with `RequestHeadValidator`'s verdict on its framing, which also decides where its body
/// ends. A head whose framing is refused is the last thing read from the connection: nothing after it can be
/// told apart from a body (the proxy answers 400 and closes). Syntax errors are thrown: 431 for a head over
/// the limit, 414 for a request line that has not ended within it, 400 for the rest.
struct ClientRequestParser {
    enum Part {
        case head(HTTPRequestHead, Result<RequestHeadValidator.Body, RequestHeadValidator.Problem>)
        case body(ByteBuffer)
        case end
    }

    typealias ParseError = HTTPWire.ParseError

    /// The limit on a head's fields (all lines after the request line), and on its request target.
    let maxHeaderSize: Int
    /// At most this many fields in a head (as NIO's decoder was configured).
    static let maxFieldCount = 256
    private var body: MessageBodyReader?
    /// The start of a head that has not arrived whole.
    private var carried: ByteBuffer?
    /// A head's framing was refused, or the bytes were malformed: nothing more is read.
    private var stopped = false
    /// The last head handed out and its field list, written over by the next head: once the handler has let go of
    /// the head (at the end of its exchange), the next one reuses the head's storage and the list's memory instead
    /// of allocating both. A head still held (pipelining, a decision pending) gets its own by copy-on-write. The last
    /// head stays here while the connection idles (a few hundred bytes).
    private var recycled = HTTPRequestHead(version: .http1_1, method: .GET, uri: "")
    private var fields: [(String, String)] = []

    /// The start of a head is in and its end is not.
    var holdsPartialHead: Bool { carried != nil }

    init(maxHeaderSize: Int) {
        self.maxHeaderSize = maxHeaderSize
    }

    /// Nothing more is read (the connection is being closed with an answer of the proxy's own).
    mutating func stop() {
        stopped = true
        carried = nil
    }

    /// The next part from `input` (consumed as far as it goes); nil when `input` holds no more.
    mutating func next(_ input: inout ByteBuffer) throws -> Part? {
        guard !stopped else {
            input.moveReaderIndex(to: input.writerIndex)
            return nil
        }
        do {
            guard body != nil else { return try nextHead(&input) }
            return try MessageBodyReader.nextPart(of: &body, &input, body: Part.body, end: .end)
        } catch {
            stopped = true
            throw error
        }
    }

    private mutating func nextHead(_ input: inout ByteBuffer) throws -> Part? {
        if carried == nil {
            // RFC 9112 2.2: empty lines before a request line are ignored (their CR and LF may come in two reads).
            while let byte = input.getInteger(at: input.readerIndex, as: UInt8.self), byte == 0x0D || byte == 0x0A {
                input.moveReaderIndex(forwardBy: 1)
            }
        }
        guard input.readableBytes > 0 || carried != nil else { return nil }
        // The request target and the fields each have the limit (plus the request line's other parts).
        let head: ByteBuffer?
        do {
            head = try HTTPWire.takeHead(&input, carried: &carried, limit: 2 * maxHeaderSize + 64)
        } catch ParseError.headTooLarge where requestLineTooLong(carried) {
            throw ParseError.uriTooLong
        }
        guard let head else {
            if requestLineTooLong(carried) { throw ParseError.uriTooLong }
            return nil
        }
        if requestLineTooLong(head) { throw ParseError.uriTooLong }  // as it would be, had the head come in pieces
        let request = try head.withUnsafeReadableBytes { try parseHead($0) }
        let verdict = RequestHeadValidator.validate(request)
        switch verdict {
        case .success(.none): body = MessageBodyReader(.length(0), lineLimit: maxHeaderSize)
        case .success(.length(let length)): body = MessageBodyReader(.length(length), lineLimit: maxHeaderSize)
        case .success(.chunked): body = MessageBodyReader(.chunked, lineLimit: maxHeaderSize)
        case .failure: stopped = true
        }
        return .head(request, verdict)
    }

    /// Whether `bytes` hold more than a request line may (the target's limit and the rest) without its end.
    private func requestLineTooLong(_ bytes: ByteBuffer?) -> Bool {
        let allowed = maxHeaderSize + 64
        guard let bytes, bytes.readableBytes > allowed else { return false }
        return !bytes.readableBytesView.prefix(allowed).contains(0x0A)
    }

    /// `method SP request-target SP HTTP/1.x`, then the fields (`HTTPWire.field`), up to the blank line.
    private mutating func parseHead(_ bytes: UnsafeRawBufferPointer) throws -> HTTPRequestHead {
        var lines = HTTPWire.LineReader(bytes)
        guard let requestLine = try lines.next() else { throw ParseError.malformedStartLine }
        let (method, target, version) = try Self.requestLine(requestLine)
        recycled.headers = HTTPHeaders()  // lets go of the field list, so that it is written over in place
        fields.removeAll(keepingCapacity: true)
        fields.reserveCapacity(8)
        var fieldBytes = 0
        while let line = try lines.next(), !line.isEmpty {
            fieldBytes += line.count + 2
            guard fieldBytes <= maxHeaderSize, fields.count < Self.maxFieldCount else { throw ParseError.headTooLarge }
            let (name, value) = try HTTPWire.field(line)
            fields.append((String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self)))
        }
        recycled.method = Self.method(method)
        recycled.uri = String(decoding: target, as: UTF8.self)
        recycled.version = version
        recycled.headers = HTTPHeaders(fields)
        return recycled
    }

    /// The common methods straight from their bytes; NIO's `HTTPMethod(rawValue:)` (a String first, then a
    /// comparison with each of its thirty-odd names in turn) for the rest.
    static func method(_ bytes: HTTPWire.Bytes) -> HTTPMethod {
        switch bytes.count {
        case 3:
            if bytes.elementsEqual("GET".utf8) { return .GET }
            if bytes.elementsEqual("PUT".utf8) { return .PUT }
        case 4:
            if bytes.elementsEqual("POST".utf8) { return .POST }
            if bytes.elementsEqual("HEAD".utf8) { return .HEAD }
        case 5:
            if bytes.elementsEqual("PATCH".utf8) { return .PATCH }
        case 6:
            if bytes.elementsEqual("DELETE".utf8) { return .DELETE }
        case 7:
            if bytes.elementsEqual("OPTIONS".utf8) { return .OPTIONS }
        default:
            break
        }
        return HTTPMethod(rawValue: String(decoding: bytes, as: UTF8.self))
    }

    /// The method (a token), the request target (visible ASCII), and the version (1.0 or 1.1).
    private static func requestLine(_ line: HTTPWire.Bytes) throws -> (HTTPWire.Bytes, HTTPWire.Bytes, HTTPVersion) {
        guard let firstSpace = HTTPWire.firstIndex(of: 0x20, in: line), firstSpace > line.startIndex else {
            throw ParseError.malformedStartLine
        }
        let method = line[line.startIndex..<firstSpace]
        let afterMethod = line[(firstSpace + 1)...]
        guard let secondSpace = HTTPWire.firstIndex(of: 0x20, in: afterMethod), secondSpace > afterMethod.startIndex else {
            throw ParseError.malformedStartLine
        }
        let target = afterMethod[afterMethod.startIndex..<secondSpace]
        let version = afterMethod[(secondSpace + 1)...]
        guard method.allSatisfy(HTTPWire.isTokenByte), target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
              version.count == 8, version.starts(with: "HTTP/1.".utf8), let minor = version.last,
              minor == 0x30 || minor == 0x31
        else { throw ParseError.malformedStartLine }
        return (method, target, HTTPVersion(major: 1, minor: Int(minor - 0x30)))
    }
}
