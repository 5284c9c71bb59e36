/// `AYAKA_EDGE_<PATH>` variables, merged onto the config tree before validation (they win over the file).
///
/// The names come from enumerating the schema's key paths (`rate_limits.global.limit` →
/// `AYAKA_EDGE_RATE_LIMITS_GLOBAL_LIMIT`), never from splitting a name at `_`, which also occurs inside keys.
/// Sections and rules have names too (`AYAKA_EDGE_RATE_LIMITS_GLOBAL='{limit: 100, per: 1s}'`) and are
/// merged key by key into what the file says.
///
/// How a value is read depends on the key:
/// - a single value (number, duration, address, token...) is taken as written, so secrets and `[::1]:80`
///   need no YAML quoting; surrounding quotes are removed; empty, `~` or `null` means "not set" (null);
/// - a list of values is YAML (`[http://a:1, http://b:2]`) or a plain comma-separated list;
/// - a mapping or a list of mappings (`rate_limits.routes`) is YAML, usually in flow style.
enum EnvironmentOverrides {
    static let prefix = "AYAKA_EDGE_"

    /// Variables with the prefix that are not config keys and are left alone: the config file path
    /// (read by the executable) and the Redis password (a secret read by the store).
    static let ignored: Set<String> = ["AYAKA_EDGE_CONFIG", "AYAKA_EDGE_REDIS_PASSWORD"]

    /// The variable for every key path of the schema.
    static let variables: [String: (path: [String], shape: ConfigShape)] = {
        var result: [String: (path: [String], shape: ConfigShape)] = [:]
        for entry in ConfigSchema.keyPaths {
            result[variableName(for: entry.path)] = entry
        }
        return result
    }()

    static func variableName(for path: [String]) -> String {
        prefix + path.joined(separator: "_").uppercased()
    }

    /// Merges every `AYAKA_EDGE_*` variable onto `tree`, broader paths first so `AYAKA_EDGE_LISTEN_REST`
    /// wins over a `rest` inside `AYAKA_EDGE_LISTEN`. Unknown variables and YAML errors become problems.
    static func apply(_ environment: [String: String], to tree: inout ConfigNode) -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        var overrides: [(name: String, path: [String], node: ConfigNode)] = []
        for (name, text) in environment where name.hasPrefix(prefix) && !ignored.contains(name) {
            guard let (path, shape) = variables[name] else {
                problems.append(unknownVariable(name))
                continue
            }
            let (node, parseProblems) = parse(text, shape: shape, variable: name)
            problems += parseProblems
            if let node { overrides.append((name, path, node)) }
        }
        overrides.sort { ($0.path.count, $0.name) < ($1.path.count, $1.name) }
        for override in overrides {
            tree.set(override.node, at: override.path[...], creatingAt: .environment(override.name))
        }
        return problems
    }

    private static func unknownVariable(_ name: String) -> ConfigProblem {
        var message = "unknown setting: no config key is named like this"
        if let suggestion = KeySuggestion.nearest(to: name, in: Array(variables.keys).sorted()) {
            message += "; did you mean \(suggestion)?"
        } else {
            message += "; the name is AYAKA_EDGE_ and the key path in capitals with _ for '.', "
                + "e.g. AYAKA_EDGE_RATE_LIMITS_GLOBAL_LIMIT"
        }
        // The value is not echoed: it may be a secret meant for another program.
        return ConfigProblem(
            origin: .environment(variable: name), line: nil, column: nil, keyPath: "", value: nil, message: message)
    }

    private static func parse(_ text: String, shape: ConfigShape, variable: String) -> (ConfigNode?, [ConfigProblem]) {
        let here = SourcePosition.environment(variable)
        switch shape {
        case .scalar:
            return (scalar(text, at: here, variable: variable), [])
        case .list(.scalar):
            let trimmed = trimmed(text)
            guard trimmed.hasPrefix("[") || trimmed.hasPrefix("-") else {
                let items = trimmed.isEmpty ? [] : trimmed.split(separator: ",", omittingEmptySubsequences: false)
                let nodes = items.map { ConfigNode(.scalar(self.trimmed(String($0))), at: here) }
                return (ConfigNode(.list(nodes), at: here), [])
            }
            return ConfigNode.parse(yaml: text, origin: here.origin)
        case .list, .mapping:
            return ConfigNode.parse(yaml: text, origin: here.origin)
        }
    }

    /// A single value as written; quotes around it are YAML quotes and are removed.
    private static func scalar(_ text: String, at here: SourcePosition, variable: String) -> ConfigNode {
        let value = trimmed(text)
        if ["", "~", "null", "Null", "NULL"].contains(value) { return ConfigNode(.null, at: here) }
        let quoted = value.count >= 2 && (value.first == "\"" || value.first == "'") && value.last == value.first
        if quoted {
            let (node, problems) = ConfigNode.parse(yaml: value, origin: here.origin)
            if problems.isEmpty, let node, case .scalar = node.value { return node }
        }
        return ConfigNode(.scalar(value), at: here)
    }

    private static func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        return String(text.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
