/// The shape of one value the config accepts. Mappings list their keys in the documented order.
indirect enum ConfigShape: Sendable {
    /// A single value: number, duration, address, name... interpreted by the validator.
    case scalar
    /// A list whose items all have one shape.
    case list(ConfigShape)
    /// A mapping with exactly these keys (all optional unless the validator says otherwise).
    case mapping([(key: String, shape: ConfigShape)])

    /// The keys a mapping accepts; empty for anything else.
    var keys: [String] {
        guard case .mapping(let fields) = self else { return [] }
        return fields.map(\.key)
    }

    /// The shape below `path`; list indices step into the list's item shape.
    func shape(at path: ArraySlice<ConfigKeyPath.Component>) -> ConfigShape? {
        guard let first = path.first else { return self }
        switch (self, first) {
        case (.mapping(let fields), .key(let key)):
            return fields.first { $0.key == key }?.shape.shape(at: path.dropFirst())
        case (.list(let item), .index):
            return item.shape(at: path.dropFirst())
        default:
            return nil
        }
    }
}

/// A path to a value, rendered as in problems: `rate_limits.routes[1].per`.
struct ConfigKeyPath: Hashable, Sendable, CustomStringConvertible {
    enum Component: Hashable, Sendable {
        case key(String)
        case index(Int)
    }

    var components: [Component]

    static let root = ConfigKeyPath(components: [])

    static func / (path: ConfigKeyPath, key: String) -> ConfigKeyPath {
        ConfigKeyPath(components: path.components + [.key(key)])
    }

    static func / (path: ConfigKeyPath, index: Int) -> ConfigKeyPath {
        ConfigKeyPath(components: path.components + [.index(index)])
    }

    var description: String {
        var text = ""
        for component in components {
            switch component {
            case .key(let key): text += text.isEmpty ? key : "." + key
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }
}

/// Every key the loader knows, as one tree: the single source for "unknown key" checks, "did you mean"
/// suggestions and the `AYAKA_EDGE_*` variable names.
enum ConfigSchema {
    /// `{limit, per, algorithm, dry_run}`: `rate_limits.global`, `rate_limits.default`, `gateway.messages`.
    static let rule: ConfigShape = .mapping([
        ("limit", .scalar), ("per", .scalar), ("algorithm", .scalar), ("dry_run", .scalar),
    ])

    /// A dry-run candidate beside a route's enforced rule.
    static let shadow: ConfigShape = .mapping([
        ("limit", .scalar), ("per", .scalar), ("algorithm", .scalar), ("name", .scalar),
    ])

    /// One item of `rate_limits.routes`.
    static let route: ConfigShape = .mapping([
        ("name", .scalar), ("method", .scalar), ("path", .scalar), ("limit", .scalar), ("per", .scalar),
        ("algorithm", .scalar), ("dry_run", .scalar), ("shadows", .list(shadow)),
    ])

    /// `{certificate, key}` of one listener under `listen.tls`.
    static let tlsFiles: ConfigShape = .mapping([("certificate", .scalar), ("key", .scalar)])

    static let root: ConfigShape = .mapping([
        ("listen", .mapping([
            ("rest", .scalar), ("gateway", .scalar), ("admin", .scalar),
            // `admin` is in the shape so that setting it gets a clear refusal rather than "unknown key".
            ("proxy_protocol", .mapping([("rest", .scalar), ("gateway", .scalar), ("admin", .scalar)])),
            ("tls", .mapping([("rest", tlsFiles), ("gateway", tlsFiles), ("admin", tlsFiles)])),
            ("tls_handshake_timeout", .scalar),
        ])),
        ("upstreams", .mapping([
            ("rest", .list(.scalar)), ("gateway", .list(.scalar)),
            ("health", .mapping([
                ("max_fails", .scalar), ("fail_timeout", .scalar), ("check_path", .scalar),
                ("check_interval", .scalar), ("healthy_threshold", .scalar),
            ])),
        ])),
        ("client_ip", .mapping([("trusted_proxies", .list(.scalar))])),
        ("rate_limits", .mapping([
            ("store", .scalar), ("on_store_failure", .scalar), ("global", rule), ("default", rule),
            ("routes", .list(route)), ("max_buckets", .scalar),
        ])),
        ("gateway", .mapping([
            ("public_url", .scalar), ("ping_interval", .scalar), ("ping_timeout", .scalar),
            ("max_connections_per_ip", .scalar), ("messages", rule), ("max_message_size", .scalar),
        ])),
        ("metrics", .mapping([
            ("enabled", .scalar), ("database", .scalar), ("flush_interval", .scalar), ("retention", .scalar),
            ("tuning_windows", .list(.scalar)),
        ])),
        ("backend", .mapping([
            ("listen", .mapping([("rest", .scalar), ("gateway", .scalar)])), ("database", .scalar),
        ])),
        ("proxy", .mapping([
            ("connect_timeout", .scalar), ("read_timeout", .scalar), ("idle_timeout", .scalar),
            ("max_body_size", .scalar), ("max_header_size", .scalar), ("max_idle_upstream_connections", .scalar),
            ("header_timeout", .scalar), ("max_connections", .scalar), ("max_connections_per_ip", .scalar),
            ("drain_timeout", .scalar),
        ])),
        ("admin", .mapping([("token", .scalar)])),
    ])

    /// Every key path reachable through mappings (sections, rules and leaves; not inside lists), in
    /// documented order, with its shape.
    static let keyPaths: [(path: [String], shape: ConfigShape)] = {
        var result: [(path: [String], shape: ConfigShape)] = []
        func walk(_ shape: ConfigShape, _ prefix: [String]) {
            guard case .mapping(let fields) = shape else { return }
            for field in fields {
                result.append((prefix + [field.key], field.shape))
                walk(field.shape, prefix + [field.key])
            }
        }
        walk(root, [])
        return result
    }()
}
