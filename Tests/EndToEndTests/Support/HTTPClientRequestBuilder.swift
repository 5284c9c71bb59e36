import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// A GET through AsyncHTTPClient that keeps the response headers (RESTClient keeps only the body).
struct HTTPClientRequestBuilder {
    let port: Int

    mutating func get(_ path: String, headers: [(String, String)] = []) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 1 << 20)
        return response
    }
}
