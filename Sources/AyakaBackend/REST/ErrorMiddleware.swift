import Hummingbird
import Logging

/// Turns every error into the JSON error body: ``APIError`` as is, Hummingbird's own HTTP errors (unknown route,
/// oversize body) with their status, store conflicts as 400, anything else as a logged 500.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response()
        } catch let error as StoreError {
            switch error {
            case .conflict(let field, let message):
                return try APIError.invalid([field: message]).response()
            case .notFound:
                return try APIError.notFound("Resource").response()
            case .invalidParent:
                return try APIError.invalid(["inside_of": "must be 0 or the id of a category in this guild"]).response()
            }
        } catch let error as any HTTPResponseError {
            let message: String
            switch error.status {
            case .notFound: message = "Unknown route: \(request.method.rawValue) \(request.uri.path)"
            case .contentTooLarge: message = "Request body is too large"
            default: message = error.status.reasonPhrase
            }
            return try APIError(error.status, message).response()
        } catch {
            context.logger.error("Unhandled error", metadata: ["error": "\(String(reflecting: error))"])
            return try APIError(.internalServerError, "Internal server error").response()
        }
    }
}
