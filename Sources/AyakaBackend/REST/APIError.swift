import Foundation
import HTTPTypes
import Hummingbird

/// An error answered as `{"code": <status>, "message": "...", "errors": {<field>: "<why>"}}`.
struct APIError: Error, Sendable, HTTPResponseError {
    var status: HTTPResponse.Status
    var message: String
    var errors: [String: String]
    var headers: HTTPFields

    init(_ status: HTTPResponse.Status, _ message: String, errors: [String: String] = [:], headers: HTTPFields = [:]) {
        self.status = status
        self.message = message
        self.errors = errors
        self.headers = headers
    }

    static func invalid(_ errors: [String: String]) -> APIError {
        APIError(.badRequest, "Invalid Data", errors: errors)
    }

    static let unauthorized = APIError(.unauthorized, "Unauthorized")
    /// The seed's `201 Created – Not a Member, or incorrect session_id` for PATCH and DELETE on a guild.
    static let notAMemberOrBadSession = APIError(.created, "Not a Member, or incorrect session_id")
    /// The seed's `203 Non Authoritative Information – Not enough permissions`.
    static let notEnoughPermissions = APIError(.nonAuthoritativeInformation, "Not enough permissions")

    static func notFound(_ what: String) -> APIError {
        APIError(.notFound, "\(what) not found")
    }

    private struct Body: Encodable {
        let code: Int
        let message: String
        let errors: [String: String]
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try self.response()
    }

    func response() throws -> Response {
        var response = try JSONResponse.make(status, Body(code: status.code, message: message, errors: errors))
        response.headers.append(contentsOf: headers)
        return response
    }
}
