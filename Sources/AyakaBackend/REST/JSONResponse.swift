import Foundation
import HTTPTypes
import Hummingbird

/// JSON responses with `Content-Type: application/json; charset=utf-8`.
enum JSONResponse {
    static func make(_ status: HTTPResponse.Status, _ payload: some Encodable) throws -> Response {
        let data = try JSONEncoder().encode(payload)
        return Response(
            status: status,
            headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }

    static func noContent() -> Response {
        Response(status: .noContent)
    }
}
