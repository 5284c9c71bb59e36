import HTTPTypes
import Hummingbird

/// Registers routes and, for every path, answers the methods it does not serve with a JSON 405 and `Allow`.
struct RouteRegistrar<Context: RequestContext> {
    typealias Handler = @Sendable (Request, Context) async throws -> Response

    private static var commonMethods: [HTTPRequest.Method] { [.get, .post, .put, .patch, .delete] }

    let router: Router<Context>
    private var methodsByPath: [(path: String, methods: [HTTPRequest.Method])] = []

    init(router: Router<Context>) {
        self.router = router
    }

    mutating func on(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        router.on(RouterPath(path), method: method, use: handler)
        if let index = methodsByPath.firstIndex(where: { $0.path == path }) {
            methodsByPath[index].methods.append(method)
        } else {
            methodsByPath.append((path, [method]))
        }
    }

    func finish() {
        for (path, methods) in methodsByPath {
            let allow = methods.map(\.rawValue).joined(separator: ", ")
            for method in Self.commonMethods where !methods.contains(method) {
                router.on(RouterPath(path), method: method) { request, _ -> Response in
                    var headers = HTTPFields()
                    headers[.allow] = allow
                    throw APIError(
                        .methodNotAllowed,
                        "\(request.method.rawValue) is not allowed on \(path); allowed: \(allow)",
                        headers: headers
                    )
                }
            }
        }
    }
}
