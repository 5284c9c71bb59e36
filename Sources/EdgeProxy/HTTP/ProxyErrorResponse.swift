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
    /// The response head's fields for the gateway listener's plain-HTTP side (through NIO's encoder there):
    /// JSON content type and length, this response's own, then `Connection: close` unless the connection
    /// stays open. The REST side writes its responses as bytes (`ClientResponseWriter.localResponse`).
    func headerFields(keepAlive: Bool) -> HTTPHeaders {
        var fields = HTTPHeaders()
        fields.reserveCapacity(3 + headers.count)
        fields.add(name: "Content-Type", value: "application/json")
        fields.add(name: "Content-Length", value: String(body.utf8.count))
        for (name, value) in headers { fields.add(name: name, value: value) }
        if !keepAlive { fields.add(name: "Connection", value: "close") }
        return fields
    }

    /// The whole response as bytes, for handlers that sit before the HTTP decoder (header timeout, connection
    /// caps); the connection closes after it.
    func closingBytes(allocator: ByteBufferAllocator) -> ByteBuffer {
        ClientResponseWriter.localResponse(self, requestMethod: nil, version: .http1_1, keepAlive: false,
                                           admission: nil, requestID: .none, allocator: allocator)
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
