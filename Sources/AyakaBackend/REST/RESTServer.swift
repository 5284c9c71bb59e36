import Hummingbird

/// The REST API's router: every route at the root path, JSON errors (including unknown routes and wrong
/// methods).
enum RESTServer {
    static func router(backend: BackendContext) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        var routes = RouteRegistrar(router: router)
        UserRoutes(backend: backend).register(on: &routes)
        GuildRoutes(backend: backend).register(on: &routes)
        InviteRoutes(backend: backend).register(on: &routes)
        ChannelRoutes(backend: backend).register(on: &routes)
        routes.finish()
        return router
    }
}
