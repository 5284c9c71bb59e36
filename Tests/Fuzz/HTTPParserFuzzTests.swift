import NIOCore
import NIOHTTP1
import PropertyBased
import Testing

@testable import EdgeProxy

/// The proxy's two HTTP/1.1 parsers fed random and mutated messages, each input once whole and once cut into
/// pieces: the property is that the cut makes no difference. What a parser carries over between reads (a head, a
/// chunk-size line, a trailer) is where a cut could change what it reads: a different body, another message
/// boundary. Either both readings give the same messages, or both refuse the bytes.
@Suite struct HTTPParserFuzzTests {
    /// One message as read: its head line, its body bytes joined (the pieces depend on the cut), whether it ended.
    private struct Message: Equatable {
        var head: String
        var body: [UInt8] = []
        var ended = false
    }

    private enum Reading: Equatable {
        case messages([Message])
        /// Refused, with this error (the messages before the bad bytes are not compared: a cut may let one end
        /// before them or not).
        case refused(HTTPWire.ParseError)
    }

    private static let maxHeaderSize = 512

    /// Feeds `input` to `next` in pieces of `cut` bytes, handing each part to `take`; nil when `next` threw.
    private static func feed<Part>(
        _ input: [UInt8], cut: Int, _ next: (inout ByteBuffer) throws -> Part?, _ take: (Part) -> Void
    ) -> HTTPWire.ParseError? {
        var rest = ByteBuffer(bytes: input)
        do {
            while rest.readableBytes > 0 {
                var read = rest.readSlice(length: min(cut, rest.readableBytes))!
                while let part = try next(&read) { take(part) }
                #expect(read.readableBytes == 0, "the parser leaves no input unread")
            }
        } catch {
            return error as? HTTPWire.ParseError ?? .truncated
        }
        return nil
    }

    /// Mutations of `corpus` and random bytes, each read by `read` whole and cut: the readings must agree.
    private static func checkCuts(
        _ name: String, corpus: [String], tokens: [[UInt8]], read: @escaping @Sendable ([UInt8], Int) -> Reading
    ) async {
        let inputs = Fuzz.Tally()
        let started = ContinuousClock.now
        await propertyCheck(
            count: Fuzz.count, input: Gen.int(in: 0...(corpus.count)), Fuzz.mutations, Fuzz.noise, Gen.int(in: 1...64)
        ) { index, mutations, noise, cut in
            inputs.add()
            let base = index < corpus.count ? Array(corpus[index].utf8) : noise
            let input = Fuzz.mutate(base, with: mutations, tokens: tokens)
            let whole = read(input, max(input.count, 1))
            let pieces = read(input, cut)
            #expect(whole == pieces, "\(String(decoding: input, as: UTF8.self).debugDescription) cut at \(cut)")
        }
        Fuzz.report(name, inputs: inputs.count, since: started)
    }

    // MARK: requests

    static let requests: [String] = [
        "GET /users/@me HTTP/1.1\r\nHost: a\r\nAuthorization: abc\r\n\r\n",
        "POST /users/@me HTTP/1.1\r\nHost: a\r\nContent-Length: 16\r\n\r\n{\"username\":\"a\"}GET / HTTP/1.0\r\n\r\n",
        "PATCH /guilds/1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\nHEAD / HTTP/1.1\r\n\r\n",
        "\r\nDELETE /g HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    ]

    static let requestTokens: [[UInt8]] = [
        "\r\n", "\r\n\r\n", " ", ":", "\0", "\n", "Content-Length: ", "Transfer-Encoding: chunked\r\n", "0\r\n\r\n",
        "1a\r\n", ";ext", "GET / HTTP/1.1\r\n", "Host: a\r\n", "HTTP/1.1", "ffff\r\n", "\t", "x",
    ].map { Array($0.utf8) }

    private static func readRequests(_ input: [UInt8], cut: Int) -> Reading {
        var parser = ClientRequestParser(maxHeaderSize: maxHeaderSize)
        var messages: [Message] = []
        let error = feed(input, cut: cut, { try parser.next(&$0) }) { part in
            switch part {
            case .head(let head, let framing):
                messages.append(Message(head: "\(head.method.rawValue) \(head.uri) \(head.version) \(framing)"))
            case .body(let bytes):
                messages[messages.count - 1].body += bytes.readableBytesView
            case .end:
                messages[messages.count - 1].ended = true
            }
        }
        return error.map(Reading.refused) ?? .messages(messages)
    }

    @Test func requestsReadTheSameHoweverTheyAreCut() async {
        await Self.checkCuts("request parser", corpus: Self.requests, tokens: Self.requestTokens, read: Self.readRequests)
    }

    // MARK: responses

    static let responses: [String] = [
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3;e\r\nabc\r\n0\r\nX: 1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nHTTP/1.1 204 No Content\r\n\r\nHTTP/1.0 200 OK\r\n\r\nto the end",
        "HTTP/1.1 304 Not Modified\r\nConnection: keep-alive, X-A\r\nContent-Length: 9\r\n\r\n",
    ]

    static let responseTokens: [[UInt8]] = [
        "\r\n", "\r\n\r\n", " ", ":", "\0", "\n", "Content-Length: ", "Transfer-Encoding: chunked\r\n", "0\r\n\r\n",
        "1a\r\n", "HTTP/1.1 200 OK\r\n", "HTTP/1.1 101 Switching\r\n", "Connection: close\r\n", "ffff\r\n", "\t",
    ].map { Array($0.utf8) }

    /// The methods the responses answer: a HEAD's answer has no body, whatever its head says.
    static let methods: [HTTPMethod] = [.GET, .HEAD, .GET, .POST, .GET]

    private static func readResponses(_ input: [UInt8], cut: Int) -> Reading {
        var parser = UpstreamResponseParser(maxHeadSize: maxHeaderSize)
        for method in methods { parser.requestSent(method) }
        var messages: [Message] = []
        func take(_ part: UpstreamResponsePart) {
            switch part {
            case .head(let head):
                messages.append(Message(head: "\(head.version) \(head.status.code) \(head.isKeepAlive) \(head.listed) "
                                        + "\(head.hasContentLength) \(String(buffer: head.fields))"))
            case .body(let bytes):
                messages[messages.count - 1].body += bytes.readableBytesView
            case .end:
                messages[messages.count - 1].ended = true
            }
        }
        if let error = feed(input, cut: cut, { try parser.next(&$0) }, take) { return .refused(error) }
        do {
            if let part = try parser.inputEnded() { take(part) }
        } catch {
            return .refused(error as? HTTPWire.ParseError ?? .truncated)
        }
        return .messages(messages)
    }

    @Test func responsesReadTheSameHoweverTheyAreCut() async {
        await Self.checkCuts("response parser", corpus: Self.responses, tokens: Self.responseTokens,
                             read: Self.readResponses)
    }
}
