import Foundation
import Hummingbird
import NIOCore

/// Reads a request body as JSON into `T`, turning every way it can be wrong into a 400 (or 413) ``APIError``
/// that names the field: malformed JSON, a body that is not an object, a missing field, a wrong type, a null.
enum JSONBody {
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "Request body is larger than \(limit) bytes")
        }
        guard buffer.readableBytes > 0 else {
            throw APIError(.badRequest, "The request body must be a JSON object", errors: ["body": "is empty"])
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw apiError(for: error)
        }
    }

    static func apiError(for error: DecodingError) -> APIError {
        switch error {
        case .keyNotFound(let key, let context):
            return .invalid([path(context.codingPath + [key]): "is required"])
        case .typeMismatch(let type, let context):
            if context.codingPath.isEmpty {
                return APIError(
                    .badRequest, "The request body must be a JSON object", errors: ["body": "is not an object"]
                )
            }
            return .invalid([path(context.codingPath): "must be \(describe(type))"])
        case .valueNotFound(let type, let context):
            if context.codingPath.isEmpty {
                return APIError(.badRequest, "The request body must be a JSON object", errors: ["body": "is null"])
            }
            return .invalid([path(context.codingPath): "must be \(describe(type)), not null"])
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return APIError(.badRequest, "Malformed JSON", errors: ["body": "is not valid JSON"])
            }
            return .invalid([path(context.codingPath): "is invalid"])
        @unknown default:
            return APIError(.badRequest, "Malformed JSON", errors: ["body": "could not be decoded"])
        }
    }

    private static func path(_ codingPath: [any CodingKey]) -> String {
        codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type, is String?.Type: "a string"
        case is Int.Type, is Int64.Type, is Int?.Type, is Int64?.Type: "an integer"
        case is Bool.Type, is Bool?.Type: "a boolean"
        case is Double.Type: "a number"
        default: "of another type"
        }
    }
}
