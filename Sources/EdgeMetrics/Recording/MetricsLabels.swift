import EdgeCore

/// Names for the integer ids shards record: routes, upstream servers and shadow rules.
///
/// Route 0 is `default` (requests that match no rule); routes 1... are the configured rules in config
/// order, as the rate limiter's `RouteMatch.index` numbers them. `GLOBAL` is not a route. Given to the
/// pipeline once at startup and again on reload (after the shards were drained under the old labels).
public struct MetricsLabels: Sendable, Equatable {
    /// Route names by index; index 0 is `default`.
    public var routes: [String]
    /// Upstream server names by index (`host:port`).
    public var upstreams: [String]
    /// For each route index, the names of its shadow rules by bit position in `shadowWouldReject`.
    public var shadowRules: [[String]]

    public init(routes: [String], upstreams: [String], shadowRules: [[String]] = []) {
        self.routes = routes.isEmpty ? ["default"] : routes
        self.upstreams = upstreams
        self.shadowRules = shadowRules
    }

    /// Labels for a configuration: `default` plus the rate-limit routes, and the REST upstream servers.
    public init(config: EdgeConfig) {
        self.init(
            routes: ["default"] + config.rateLimits.routes.map(\.name),
            upstreams: config.upstreams.rest.map { $0.hostPort.description },
            shadowRules: [[]] + config.rateLimits.routes.map { $0.shadows.map(\.name) }
        )
    }

    /// The name of a route id; ids the labels don't know are shown as `route#<id>`.
    public func route(_ index: Int) -> String {
        routes.indices.contains(index) ? routes[index] : "route#\(index)"
    }

    /// The name of an upstream server id; unknown ids are shown as `upstream#<id>`.
    public func upstream(_ index: Int) -> String {
        upstreams.indices.contains(index) ? upstreams[index] : "upstream#\(index)"
    }

    /// The name of shadow rule `rule` of route `route`; unknown ones are shown as `shadow#<rule>`.
    public func shadowRule(route: Int, rule: Int) -> String {
        guard shadowRules.indices.contains(route), shadowRules[route].indices.contains(rule) else {
            return "shadow#\(rule)"
        }
        return shadowRules[route][rule]
    }
}
