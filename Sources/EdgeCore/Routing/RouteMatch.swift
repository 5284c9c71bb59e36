/// The outcome of matching a request against the `RouteTable`.
///
/// `index` is small and dense (0 = the `default` rule, `i + 1` = `routes[i]`), so it can be used as a
/// component of a bucket key or an index into per-route counters.
public struct RouteMatch: Hashable, Sendable {
    /// 0 for the `default` rule, `i + 1` for the i-th configured route.
    public let index: Int
    /// ROUTE_NAME: the route's name, or `default`.
    public let name: String

    public init(index: Int, name: String) {
        self.index = index
        self.name = name
    }

    /// Whether no configured route matched and the `default` rule applies.
    public var isDefault: Bool { index == 0 }
}
