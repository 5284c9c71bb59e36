/// Walks the merged config tree into an `EdgeConfig`, collecting every problem instead of stopping at the first.
///
/// One validator checks one tree: `validate(_:)` starts from `EdgeConfig()` and overwrites each field whose
/// key is present and valid, so absent keys keep their defaults. The typed readers here (`integer`,
/// `duration`, `hostPort`...) report a problem and return nil for a bad value; the section readers live in
/// the `ConfigValidator+*.swift` extensions.
final class ConfigValidator {
    private(set) var problems: [ConfigProblem] = []
    /// Where each value that was written (rather than defaulted) came from, for cross-field problems.
    private(set) var positions: [ConfigKeyPath: SourcePosition] = [:]
    /// Reads and checks `listen.tls` files; nil leaves them unchecked (the validator itself does no I/O).
    let checkTLSFiles: TLSFilesCheck?

    init(checkingTLSFiles checkTLSFiles: TLSFilesCheck? = nil) {
        self.checkTLSFiles = checkTLSFiles
    }

    /// The entries of one mapping after the unknown-key check, and where the mapping was written.
    struct Section {
        var path: ConfigKeyPath
        var entries: [String: ConfigNode]
        var position: SourcePosition?
    }

    func validate(_ tree: ConfigNode) -> EdgeConfig {
        var config = EdgeConfig()
        guard let root = section(tree, at: .root) else { return config }
        readListen(root, into: &config)
        readUpstreams(root, into: &config)
        readClientIP(root, into: &config)
        readRateLimits(root, into: &config)
        readGateway(root, into: &config)
        readMetrics(root, into: &config)
        readBackend(root, into: &config)
        readProxy(root, into: &config)
        readAdmin(root, into: &config)
        checkListenersAreDistinct(config)
        checkAdminIsProtected(config)
        checkProxyProtocolHasTrustedPeers(config)
        return config
    }

    // MARK: Reporting

    func report(_ message: String, at position: SourcePosition?, path: ConfigKeyPath, value: String?) {
        problems.append(ConfigProblem(
            origin: position?.origin ?? .file("<defaults>"), line: position?.line, column: position?.column,
            keyPath: path.description, value: value, message: message))
    }

    func report(_ message: String, about node: ConfigNode, path: ConfigKeyPath) {
        report(message, at: node.position, path: path, value: node.abbreviated())
    }

    // MARK: Structure

    /// A mapping's entries. Null (an empty section such as `gateway:` with every key commented out) is an
    /// empty mapping; anything else that is not a mapping, and every unknown key, is a problem.
    func section(_ node: ConfigNode, at path: ConfigKeyPath) -> Section? {
        let known = ConfigSchema.root.shape(at: path.components[...])?.keys ?? []
        switch node.value {
        case .null:
            return Section(path: path, entries: [:], position: node.position)
        case .mapping(let entries):
            var fields: [String: ConfigNode] = [:]
            for entry in entries {
                guard known.contains(entry.key) else {
                    var message = "unknown key '\(entry.key)'"
                    if let suggestion = KeySuggestion.nearest(to: entry.key, in: known) {
                        message += "; did you mean '\(suggestion)'?"
                    } else {
                        message += "; valid keys here: " + known.joined(separator: ", ")
                    }
                    report(message, at: entry.keyPosition, path: path / entry.key, value: nil)
                    continue
                }
                fields[entry.key] = entry.value
            }
            return Section(path: path, entries: fields, position: node.position)
        case .scalar, .list:
            let keys = known.joined(separator: ", ")
            report("expected a mapping (keys: \(keys)), not \(node.kindName)", about: node, path: path)
            return nil
        }
    }

    /// The sub-section under `key`; absent is an empty section (all defaults).
    func section(_ key: String, in parent: Section) -> Section? {
        guard let node = parent.entries[key] else {
            return Section(path: parent.path / key, entries: [:], position: nil)
        }
        return section(node, at: parent.path / key)
    }

    /// A list's items; null is an empty list.
    func items(_ node: ConfigNode, at path: ConfigKeyPath, of what: String) -> [ConfigNode]? {
        switch node.value {
        case .null: return []
        case .list(let items): return items
        case .scalar, .mapping:
            report("expected a list of \(what), not \(node.kindName)", about: node, path: path)
            return nil
        }
    }

    /// Sets `target` from `section[key]` when the key is present and `parse` accepts its value.
    func update<Value>(
        _ target: inout Value, from section: Section, _ key: String,
        _ parse: (ConfigNode, ConfigKeyPath) -> Value?
    ) {
        guard let node = section.entries[key] else { return }
        let path = section.path / key
        guard let value = parse(node, path) else { return }
        target = value
        positions[path] = node.position
    }

    // MARK: Scalars

    /// A scalar's text. `expected` completes "expected ..." in the problem for a null, list or mapping.
    func text(_ node: ConfigNode, at path: ConfigKeyPath, expected: String) -> String? {
        switch node.value {
        case .scalar(let text):
            return text
        case .null:
            report("needs a value: expected \(expected)", at: node.position, path: path, value: nil)
            return nil
        case .list, .mapping:
            report("expected \(expected), not \(node.kindName)", about: node, path: path)
            return nil
        }
    }

    /// A non-empty string.
    func nonEmptyText(_ node: ConfigNode, at path: ConfigKeyPath) -> String? {
        guard let text = text(node, at: path, expected: "a non-empty string") else { return nil }
        guard !text.isEmpty else {
            report("must not be empty", about: node, path: path)
            return nil
        }
        return text
    }

    /// A decimal integer (`_` separators allowed) of at least `minimum`.
    func integer(_ node: ConfigNode, at path: ConfigKeyPath, minimum: Int) -> Int? {
        let expected = minimum == 1 ? "a positive integer" : "an integer of at least \(minimum)"
        guard let text = text(node, at: path, expected: expected) else { return nil }
        guard let value = ConfigScalars.integer(text) else {
            report("expected \(expected)", about: node, path: path)
            return nil
        }
        guard value >= minimum else {
            report(minimum == 1 ? "must be greater than zero" : "must be at least \(minimum)", about: node, path: path)
            return nil
        }
        return value
    }

    func bool(_ node: ConfigNode, at path: ConfigKeyPath) -> Bool? {
        guard let text = text(node, at: path, expected: "true or false") else { return nil }
        guard let value = ConfigScalars.bool(text) else {
            report("expected true or false", about: node, path: path)
            return nil
        }
        return value
    }

    /// `<integer><unit>`, unit s, m, h or d (and ms when `allowMilliseconds`), longer than zero.
    func duration(_ node: ConfigNode, at path: ConfigKeyPath, allowMilliseconds: Bool) -> ConfigDuration? {
        let units = allowMilliseconds ? "ms, s, m, h or d" : "s, m, h or d"
        let expected = "a duration: an integer and a unit \(units), e.g. 10s, 1m, 7d"
        guard let text = text(node, at: path, expected: expected) else { return nil }
        guard let duration = ConfigDuration(parsing: text) else {
            report("expected \(expected)", about: node, path: path)
            return nil
        }
        guard allowMilliseconds || duration.unit != .milliseconds else {
            report("milliseconds are only accepted for proxy timeouts; use a unit s, m, h or d",
                   about: node, path: path)
            return nil
        }
        guard duration.count > 0 else {
            report("must be longer than zero", about: node, path: path)
            return nil
        }
        return duration
    }

    /// A byte size: an integer, or one with a `k`, `m` or `g` suffix (powers of 1024), above zero.
    func size(_ node: ConfigNode, at path: ConfigKeyPath) -> Int? {
        let expected = "a size in bytes: an integer, or with a suffix k, m or g (1024-based), e.g. 64k, 8m"
        guard let text = text(node, at: path, expected: expected) else { return nil }
        guard let value = ConfigScalars.size(text) else {
            report("expected \(expected)", about: node, path: path)
            return nil
        }
        guard value > 0 else {
            report("must be greater than zero", about: node, path: path)
            return nil
        }
        return value
    }

    func hostPort(_ node: ConfigNode, at path: ConfigKeyPath) -> HostPort? {
        let expected = "host:port, e.g. 127.0.0.1:8080, [::1]:8080 or localhost:8080, with a port 0-65535"
        guard let text = text(node, at: path, expected: expected) else { return nil }
        guard let address = HostPort(parsing: text) else {
            report("expected \(expected)", about: node, path: path)
            return nil
        }
        return address
    }

    /// A URL whose scheme is one of `schemes`; `example` shows the valid form in the problem.
    func url(
        _ node: ConfigNode, at path: ConfigKeyPath, schemes: [UpstreamURL.Scheme], example: String
    ) -> UpstreamURL? {
        let names = schemes.map(\.rawValue).joined(separator: " or ")
        let expected = "a URL like \(example) (scheme \(names))"
        guard let text = text(node, at: path, expected: expected) else { return nil }
        guard let url = UpstreamURL(parsing: text) else {
            report("expected \(expected)", about: node, path: path)
            return nil
        }
        guard schemes.contains(url.scheme) else {
            report("scheme must be \(names), e.g. \(example)", about: node, path: path)
            return nil
        }
        return url
    }

    func cidr(_ node: ConfigNode, at path: ConfigKeyPath) -> CIDR? {
        let expected = "an address block like 10.0.0.0/8 or 2001:db8::/32, or a single address"
        guard let text = text(node, at: path, expected: expected) else { return nil }
        guard let block = CIDR(text) else {
            report("expected \(expected)", about: node, path: path)
            return nil
        }
        return block
    }

    /// One of a fixed set of words.
    func choice<Value>(_ node: ConfigNode, at path: ConfigKeyPath, _ options: [(String, Value)]) -> Value? {
        let names = options.map(\.0).joined(separator: ", ")
        guard let text = text(node, at: path, expected: "one of \(names)") else { return nil }
        guard let value = options.first(where: { $0.0 == text })?.1 else {
            report("expected one of \(names)", about: node, path: path)
            return nil
        }
        return value
    }

    /// A list whose every item is read by `parse`; nil when the node is not a list or any item is bad.
    func list<Value>(
        _ node: ConfigNode, at path: ConfigKeyPath, of what: String,
        _ parse: (ConfigNode, ConfigKeyPath) -> Value?
    ) -> [Value]? {
        guard let items = items(node, at: path, of: what) else { return nil }
        var values: [Value] = []
        var allValid = true
        for (index, item) in items.enumerated() {
            if let value = parse(item, path / index) { values.append(value) } else { allValid = false }
        }
        return allValid ? values : nil
    }
}
