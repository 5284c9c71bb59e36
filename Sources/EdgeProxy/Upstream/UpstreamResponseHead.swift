import NIOCore
import NIOHTTP1

/// An upstream's response head as it arrived (`UpstreamResponseParser`): status, version and what the proxy needs
/// to know of its fields, which stay bytes: `ClientResponseWriter.relayedHead` copies them to the client's head
/// without a String or a field list per response.
struct UpstreamResponseHead {
    var version: HTTPVersion
    var status: HTTPResponseStatus
    /// The field lines as received, each ending in CRLF (the status line and the blank line excluded), checked
    /// by the parser (`HTTPWire.field`).
    var fields: ByteBuffer
    /// The upstream keeps the connection open after this response (RFC 9112 9.3: HTTP/1.1 unless
    /// `Connection: close`; HTTP/1.0 only with `Connection: keep-alive`).
    var isKeepAlive: Bool
    /// The head has a `Content-Length` field.
    var hasContentLength: Bool
    /// The names the `Connection` field lists besides `close` and `keep-alive`, lowercased: hop-by-hop for this
    /// response (usually none: then nothing is allocated).
    var listed: [String]

    /// Whether the upstream's `Content-Length` reaches the client: present, and not named by the `Connection`
    /// field (which drops it as hop-by-hop). The framing is decided on this, never on the raw head.
    var carriesContentLength: Bool { hasContentLength && !listed.contains("content-length") }

    /// Calls `field` with each field's name and value (without the optional whitespace around it), in order.
    func forEachField(_ field: (HTTPWire.Bytes, HTTPWire.Bytes) -> Void) {
        fields.withUnsafeReadableBytes { bytes in
            var lines = HTTPWire.LineReader(bytes)
            // Checked when parsed (`HTTPWire.field`): here the lines are only cut, not checked again.
            while let line = try? lines.next(), let (name, value) = HTTPWire.split(line) { field(name, value) }
        }
    }
}

/// A part of an upstream's response, as `UpstreamResponseParser` reads it.
enum UpstreamResponsePart {
    case head(UpstreamResponseHead)
    /// Body bytes, de-chunked.
    case body(ByteBuffer)
    case end
}
