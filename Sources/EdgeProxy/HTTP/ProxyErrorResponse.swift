import NIOCore
import NIOHTTP1

/// A response the proxy writes itself: its own errors (CONTRACT section 3: JSON `{"code", "message"}`)
/// and rate-limit rejections (429 with the limiter's body and headers).
struct LocalResponse {
    var status: HTTPResponseStatus
    var headers: [(String, String)]
    var body: String

    /// A proxy error: `{"code": <status>, "message": "..."}`.
    static func error(_ status: HTTPResponseStatus, _ message: String) -> LocalResponse {
        LocalResponse(
            status: status,
            headers: [],
            body: "{\"code\": \(status.code), \"message\": \"\(JSONEscaping.escape(message))\"}"
        )
    }

    static let badRequest = error(.badRequest, "Malformed HTTP request.")
    static let headersTooLarge = error(.requestHeaderFieldsTooLarge, "Request headers are too large.")
    static let uriTooLong = error(.uriTooLong, "Request line is too long.")
    static let bodyTooLarge = error(.payloadTooLarge, "Request body is too large.")
    static let badGateway = error(.badGateway, "The upstream server refused the connection or broke it.")
    static let gatewayTimeout = error(.gatewayTimeout, "The upstream server did not answer in time.")
    static let headersTimedOut = error(.requestTimeout, "The request headers did not arrive in time.")
    static let noUpstream = error(.serviceUnavailable, "No upstream server is available.")
    /// `rate_limits.on_store_failure: deny` while the shared store (Redis) is unreachable.
    static let storeUnavailable = error(.serviceUnavailable, "rate limit store unavailable")
}

extension LocalResponse {
    /// The response head's fields: JSON content type and length, `extra` (the rate-limit fields), this
    /// response's own, then `Connection: close` unless the connection stays open.
    func headerFields(extra: [(name: String, value: String)] = [], keepAlive: Bool) -> HTTPHeaders {
        var fields = HTTPHeaders()
        fields.reserveCapacity(4 + extra.count + headers.count)
        fields.add(name: "Content-Type", value: "application/json")
        fields.add(name: "Content-Length", value: String(body.utf8.count))
        for (name, value) in extra { fields.add(name: name, value: value) }
        for (name, value) in headers { fields.add(name: name, value: value) }
        if !keepAlive { fields.add(name: "Connection", value: "close") }
        return fields
    }

    /// The whole response as bytes, for handlers that sit before the HTTP codec (header timeout, connection
    /// caps); the connection closes after it.
    func closingBytes(allocator: ByteBufferAllocator) -> ByteBuffer {
        var bytes = allocator.buffer(capacity: 256 + body.utf8.count)
        write(into: &bytes, version: .http1_1, keepAlive: false)
        return bytes
    }

    /// Appends the whole response: status line, `headerFields`' fields in their order, `X-Request-ID` when
    /// given, `Connection: keep-alive` for an HTTP/1.0 client that keeps the connection, and the body
    /// unless `body` is false (a HEAD request: same fields, no content).
    func write(
        into bytes: inout ByteBuffer, version: HTTPVersion, extra: [(name: String, value: String)] = [],
        requestID: String = "", keepAlive: Bool, body includeBody: Bool = true
    ) {
        bytes.writeStaticString(version.minor == 0 && version.major == 1 ? "HTTP/1.0 " : "HTTP/1.1 ")
        bytes.writeString(String(status.code))
        bytes.writeStaticString(" ")
        bytes.writeString(status.reasonPhrase)
        bytes.writeStaticString("\r\nContent-Type: application/json\r\nContent-Length: ")
        bytes.writeString(String(body.utf8.count))
        bytes.writeStaticString("\r\n")
        for (name, value) in extra { Self.writeField(name, value, into: &bytes) }
        for (name, value) in headers { Self.writeField(name, value, into: &bytes) }
        if !requestID.isEmpty { Self.writeField("X-Request-ID", requestID, into: &bytes) }
        if !keepAlive {
            bytes.writeStaticString("Connection: close\r\n")
        } else if version.major == 1, version.minor == 0 {
            bytes.writeStaticString("Connection: keep-alive\r\n")
        }
        bytes.writeStaticString("\r\n")
        if includeBody { bytes.writeString(body) }
    }

    private static func writeField(_ name: String, _ value: String, into bytes: inout ByteBuffer) {
        bytes.writeString(name)
        bytes.writeStaticString(": ")
        bytes.writeString(value)
        bytes.writeStaticString("\r\n")
    }
}

/// Minimal JSON string escaping for the proxy's own messages (no Foundation on the hot path).
enum JSONEscaping {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
