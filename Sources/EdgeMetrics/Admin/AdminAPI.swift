import Hummingbird

/// The result of a state-changing admin call: an HTTP status and a JSON body.
public struct AdminActionResult: Sendable {
    public var status: Int
    public var json: String

    public init(status: Int, json: String) {
        self.status = status
        self.json = json
    }
}

/// The admin API's state-changing endpoints, on the admin listener next to the read-only pages.
///
/// Every call needs `Authorization: Bearer <admin.token>` (compared in constant time; the token is never
/// logged or echoed). With no token configured the API is off (403); a wrong or missing token is 401.
public struct AdminAPI: Sendable {
    public var token: String?
    /// Re-reads the config file and puts it in force (SIGHUP does the same).
    public var reload: @Sendable () async -> AdminActionResult

    public init(token: String?, reload: @escaping @Sendable () async -> AdminActionResult) {
        self.token = token
        self.reload = reload
    }

    /// Registers `POST /admin/reload`.
    public func register(on router: Router<BasicRequestContext>) {
        let api = self
        router.post("admin/reload") { request, _ in
            if let refusal = api.refusal(for: request) { return refusal }
            return Self.response(await api.reload())
        }
    }

    /// 403 when the API is off, 401 without the right bearer token; nil when the call may proceed.
    func refusal(for request: Request) -> Response? {
        guard let token, !token.isEmpty else {
            return Self.response(AdminActionResult(
                status: 403, json: #"{"code": 403, "message": "The admin API is off: set admin.token (or AYAKA_EDGE_ADMIN_TOKEN)."}"#))
        }
        let presented = request.headers[.authorization].flatMap { value -> Substring? in
            value.hasPrefix("Bearer ") ? value.dropFirst(7) : nil
        }
        guard let presented, Self.constantTimeEqual(Array(presented.utf8), Array(token.utf8)) else {
            var response = Self.response(AdminActionResult(
                status: 401, json: #"{"code": 401, "message": "A valid Authorization: Bearer token is required."}"#))
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return nil
    }

    /// Compares without an early exit, so the time taken does not reveal how much of a guess was right.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            difference |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return difference == 0
    }

    static func response(_ result: AdminActionResult) -> Response {
        Response(
            status: HTTPResponse.Status(code: result.status),
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: result.json))
        )
    }
}
