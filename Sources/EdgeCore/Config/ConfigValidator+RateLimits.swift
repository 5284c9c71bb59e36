/// `rate_limits`: the store, the global and default rules, and the per-route rules with their shadows.
extension ConfigValidator {
    func readRateLimits(_ root: Section, into config: inout EdgeConfig) {
        guard let limits = section("rate_limits", in: root) else { return }
        update(&config.rateLimits.store, from: limits, "store", store)
        update(&config.rateLimits.onStoreFailure, from: limits, "on_store_failure") { node, path in
            self.choice(node, at: path, EdgeConfig.StoreFailurePolicy.allCases.map { ($0.rawValue, $0) })
        }
        let defaults = config.rateLimits
        update(&config.rateLimits.global, from: limits, "global") { node, path in
            self.rule(node, at: path, over: defaults.global)
        }
        update(&config.rateLimits.default, from: limits, "default") { node, path in
            self.rule(node, at: path, over: defaults.default)
        }
        update(&config.rateLimits.routes, from: limits, "routes", routes)
        update(&config.rateLimits.maxBuckets, from: limits, "max_buckets") { node, path in
            self.integer(node, at: path, minimum: 1)
        }
    }

    func store(_ node: ConfigNode, at path: ConfigKeyPath) -> EdgeConfig.StoreKind? {
        guard let text = text(node, at: path, expected: "memory or redis://host:port/db") else { return nil }
        if let problem = ConfigScalars.storeProblem(text) {
            // A Redis URL may carry a password: show the value only when it has none.
            report(problem, at: node.position, path: path, value: text.contains("@") ? nil : text)
            return nil
        }
        return text == "memory" ? .memory : .redis(url: text)
    }

    /// `{limit, per, algorithm, dry_run}` read over `base`: a partial rule keeps the rest of `base`.
    func rule(_ node: ConfigNode, at path: ConfigKeyPath, over base: RateLimitRule) -> RateLimitRule? {
        guard let fields = section(node, at: path) else { return nil }
        let before = problems.count
        var rule = base
        update(&rule.limit, from: fields, "limit") { self.integer($0, at: $1, minimum: 1) }
        update(&rule.per, from: fields, "per") { self.duration($0, at: $1, allowMilliseconds: false) }
        update(&rule.algorithm, from: fields, "algorithm", algorithm)
        update(&rule.dryRun, from: fields, "dry_run", bool)
        return problems.count == before ? rule : nil
    }

    func algorithm(_ node: ConfigNode, at path: ConfigKeyPath) -> RateLimitAlgorithm? {
        choice(node, at: path, RateLimitAlgorithm.allCases.map { ($0.rawValue, $0) })
    }

    /// The route list; names (shadows' included) and (method, path template) pairs must be unique.
    func routes(_ node: ConfigNode, at path: ConfigKeyPath) -> [RouteRule]? {
        guard let items = items(node, at: path, of: "route rules") else { return nil }
        let before = problems.count
        var rules: [RouteRule] = []
        var names: [String: ConfigKeyPath] = [:]
        var templates: [String: ConfigKeyPath] = [:]
        for (index, item) in items.enumerated() {
            let itemPath = path / index
            let rule = route(item, at: itemPath)
            // Names are compared even when the route has another problem, so both get reported at once.
            var ruleNames: [(name: String, path: ConfigKeyPath, node: ConfigNode?)] = []
            if case .scalar(let name)? = item["name"]?.value {
                ruleNames.append((name, itemPath / "name", item["name"]))
            }
            for (shadowIndex, shadow) in (rule?.shadows ?? []).enumerated() {
                let written = item["shadows"].flatMap { shadowNode(in: $0, shadowIndex) }
                ruleNames.append((shadow.name, itemPath / "shadows" / shadowIndex / "name", written))
            }
            for (name, namePath, nameNode) in ruleNames {
                if let first = names[name] {
                    report("duplicate rule name: \(first) already uses it; every route and shadow needs its own name",
                           at: nameNode?.position ?? item.position, path: namePath, value: name)
                } else {
                    names[name] = namePath
                }
            }
            guard let rule else { continue }
            let key = (rule.method ?? "any method") + " " + ConfigScalars.templateShape(rule.path)
            if let first = templates[key] {
                report("duplicate rule: \(first) already covers \(rule.method ?? "any method") on this path; "
                       + "merge the two or use shadows for candidate limits",
                       at: item["path"]?.position ?? item.position, path: itemPath / "path", value: rule.path)
            } else {
                templates[key] = itemPath
            }
            rules.append(rule)
        }
        return problems.count == before ? rules : nil
    }

    private func shadowNode(in list: ConfigNode, _ index: Int) -> ConfigNode? {
        guard case .list(let items) = list.value, items.indices.contains(index) else { return nil }
        return items[index]["name"] ?? items[index]
    }

    /// One route: `{name, method?, path, limit, per, algorithm?, dry_run?, shadows?}`.
    func route(_ node: ConfigNode, at path: ConfigKeyPath) -> RouteRule? {
        guard let fields = section(node, at: path) else { return nil }
        let before = problems.count
        for key in ["name", "path", "limit", "per"] where fields.entries[key] == nil {
            report("missing required key '\(key)'; every route needs name, path, limit and per",
                   at: fields.position, path: path / key, value: nil)
        }
        var name = ""
        var httpMethod: String? = nil
        var template = ""
        var rule = RateLimitRule(name: "", limit: 1, per: .seconds(1))
        update(&name, from: fields, "name", ruleName)
        update(&httpMethod, from: fields, "method", self.method)
        update(&template, from: fields, "path", pathTemplate)
        update(&rule.limit, from: fields, "limit") { self.integer($0, at: $1, minimum: 1) }
        update(&rule.per, from: fields, "per") { self.duration($0, at: $1, allowMilliseconds: false) }
        update(&rule.algorithm, from: fields, "algorithm", algorithm)
        update(&rule.dryRun, from: fields, "dry_run", bool)
        rule.name = name
        var shadows: [RateLimitRule] = []
        let routeAlgorithm = rule.algorithm
        update(&shadows, from: fields, "shadows") { node, path in
            self.list(node, at: path, of: "shadow rules {limit, per, algorithm?, name?}") { item, itemPath in
                self.shadow(item, at: itemPath, routeName: name, algorithm: routeAlgorithm)
            }
        }
        guard problems.count == before else { return nil }
        return RouteRule(method: httpMethod, path: template, rule: rule, shadows: shadows)
    }

    /// A dry-run candidate: `{limit, per, algorithm?, name?}`; the algorithm defaults to the route's and the
    /// name to `<route name>~<limit>/<per>`, e.g. `users.create~3/1m`.
    func shadow(
        _ node: ConfigNode, at path: ConfigKeyPath, routeName: String, algorithm: RateLimitAlgorithm
    ) -> RateLimitRule? {
        guard let fields = section(node, at: path) else { return nil }
        let before = problems.count
        for key in ["limit", "per"] where fields.entries[key] == nil {
            report("missing required key '\(key)'; a shadow rule needs limit and per",
                   at: fields.position, path: path / key, value: nil)
        }
        var rule = RateLimitRule(name: "", limit: 1, per: .seconds(1), algorithm: algorithm, dryRun: true)
        update(&rule.limit, from: fields, "limit") { self.integer($0, at: $1, minimum: 1) }
        update(&rule.per, from: fields, "per") { self.duration($0, at: $1, allowMilliseconds: false) }
        update(&rule.algorithm, from: fields, "algorithm", self.algorithm)
        var name: String? = nil
        update(&name, from: fields, "name", ruleName)
        guard problems.count == before else { return nil }
        rule.name = name ?? "\(routeName)~\(rule.limit)/\(rule.per)"
        return rule
    }

    func ruleName(_ node: ConfigNode, at path: ConfigKeyPath) -> String? {
        let expected = "a name of letters, digits and . _ - ~ such as users.create"
        guard let name = text(node, at: path, expected: expected) else { return nil }
        guard ConfigScalars.isValidRuleName(name) else {
            report("expected \(expected) (it appears in X-RateLimit-Bucket, so no '/' or spaces)",
                   about: node, path: path)
            return nil
        }
        guard name != "GLOBAL", name != "default" else {
            report("'\(name)' is reserved for the \(name == "GLOBAL" ? "global" : "default") rule; choose another name",
                   about: node, path: path)
            return nil
        }
        return name
    }

    /// An HTTP method, in any case (stored in capitals); null means any method.
    func method(_ node: ConfigNode, at path: ConfigKeyPath) -> String?? {
        if case .null = node.value { return .some(nil) }
        let valid = ConfigScalars.methods.joined(separator: " ")
        guard let text = text(node, at: path, expected: "one of \(valid)") else { return nil }
        guard ConfigScalars.methods.contains(text.uppercased()) else {
            report("expected one of \(valid), or no method key to match any method", about: node, path: path)
            return nil
        }
        return .some(text.uppercased())
    }

    func pathTemplate(_ node: ConfigNode, at path: ConfigKeyPath) -> String? {
        guard let template = text(node, at: path, expected: "a path like /guilds/{guild_id}") else { return nil }
        if let problem = ConfigScalars.templateProblem(template) {
            report("\(problem); expected a path like /guilds/{guild_id}", about: node, path: path)
            return nil
        }
        return template
    }
}
