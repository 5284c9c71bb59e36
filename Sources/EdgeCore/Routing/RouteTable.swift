/// Maps a request's method and path to the rate-limit rule that covers it (CONTRACT section 3).
///
/// Built once from the validated config. Templates are compiled into segment arrays and compared as UTF-8
/// bytes, so `match` does not allocate (for native Strings). When several templates match, the one with a
/// literal segment at the first position where they differ wins (`/guilds/@me` beats `/guilds/{guild_id}`);
/// on equal templates a rule naming the method beats a method-less one, then config order decides. Nothing
/// matching gives the `default` rule (index 0).
public struct RouteTable: Sendable {
    struct Entry: Sendable {
        /// Uppercased method bytes; nil matches any method.
        let method: [UInt8]?
        let template: RouteTemplate
        let match: RouteMatch
    }

    let entries: [Entry]
    /// The match returned when no route applies.
    public let defaultMatch: RouteMatch
    /// The rules in index order: `rules[0]` is the default rule, `rules[i + 1]` the i-th route's.
    public let rules: [RateLimitRule]

    public init(routes: [RouteRule], defaultRule: RateLimitRule) {
        defaultMatch = RouteMatch(index: 0, name: defaultRule.name)
        rules = [defaultRule] + routes.map(\.rule)
        entries = routes.enumerated().map { offset, route in
            Entry(
                method: route.method.map { Array($0.uppercased().utf8) },
                template: RouteTemplate(route.path),
                match: RouteMatch(index: offset + 1, name: route.name)
            )
        }
    }

    /// The number of indices in use: the default rule plus one per route.
    public var count: Int { entries.count + 1 }

    /// The rule for `method` (case-sensitive, as HTTP methods are; config methods are uppercased) and
    /// `path` (a query, if still present, is ignored).
    public func match(method: String, path: Substring) -> RouteMatch {
        var method = method
        return method.withUTF8 { methodBytes in match(methodBytes: methodBytes, path: path) }
    }

    /// The same with the method as a Substring (straight from a request line).
    public func match(method: Substring, path: Substring) -> RouteMatch {
        var method = method
        return method.withUTF8 { methodBytes in match(methodBytes: methodBytes, path: path) }
    }

    /// The same with the method's bytes.
    public func match(methodBytes: UnsafeBufferPointer<UInt8>, path: Substring) -> RouteMatch {
        var path = path
        return path.withUTF8 { pathBytes in
            var end = 0
            while end < pathBytes.count, pathBytes[end] != UInt8(ascii: "?"), pathBytes[end] != UInt8(ascii: "#") {
                end += 1
            }
            return match(methodBytes: methodBytes, pathBytes: UnsafeBufferPointer(rebasing: pathBytes[..<end]))
        }
    }

    private func match(methodBytes: UnsafeBufferPointer<UInt8>, pathBytes: UnsafeBufferPointer<UInt8>) -> RouteMatch {
        var best = -1
        for position in entries.indices {
            let entry = entries[position]
            if let required = entry.method, !methodBytes.elementsEqual(required) { continue }
            guard entry.template.matches(pathBytes) else { continue }
            if best >= 0 {
                let current = entries[best]
                if entry.template.specificity < current.template.specificity { continue }
                if entry.template.specificity == current.template.specificity {
                    // Same shape: a method-specific rule beats an any-method one; otherwise first wins.
                    guard current.method == nil, entry.method != nil else { continue }
                }
            }
            best = position
        }
        return best >= 0 ? entries[best].match : defaultMatch
    }

    /// The rule at a `RouteMatch.index`.
    public func rule(at index: Int) -> RateLimitRule { rules[index] }
}
