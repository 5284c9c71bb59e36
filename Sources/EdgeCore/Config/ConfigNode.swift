/// Where a node of the config tree was written: a position in the file, or an environment variable.
struct SourcePosition: Hashable, Sendable {
    var origin: ConfigProblem.Origin
    var line: Int?
    var column: Int?

    static func environment(_ variable: String) -> SourcePosition {
        SourcePosition(origin: .environment(variable: variable), line: nil, column: nil)
    }
}

/// The untyped config tree: YAML as composed by Yams, with a position on every key and value.
///
/// Environment overrides are merged into this tree before it is validated into an `EdgeConfig`, so a
/// problem always points at the text that caused it, wherever that was written.
struct ConfigNode: Sendable {
    /// A key of a mapping with the position of the key itself (for "unknown key" problems).
    struct Entry: Sendable {
        var key: String
        var keyPosition: SourcePosition
        var value: ConfigNode
    }

    enum Value: Sendable {
        /// `~`, `null` or nothing at all after the colon.
        case null
        /// Any other scalar, as its text; typed interpretation happens during validation.
        case scalar(String)
        case mapping([Entry])
        case list([ConfigNode])
    }

    var value: Value
    var position: SourcePosition

    init(_ value: Value, at position: SourcePosition) {
        self.value = value
        self.position = position
    }

    /// What the node is, for "expected a mapping, got a list" messages.
    var kindName: String {
        switch value {
        case .null: return "empty (null)"
        case .scalar: return "a single value"
        case .mapping: return "a mapping"
        case .list: return "a list"
        }
    }

    /// The node written back in compact flow style, cut to `limit` characters, for the `(got '...')` part.
    func abbreviated(limit: Int = 60) -> String {
        let text = flowText
        guard text.count > limit else { return text }
        return String(text.prefix(limit - 3)) + "..."
    }

    private var flowText: String {
        switch value {
        case .null: return "null"
        case .scalar(let text): return text
        case .mapping(let entries):
            return "{" + entries.map { "\($0.key): \($0.value.flowText)" }.joined(separator: ", ") + "}"
        case .list(let items):
            return "[" + items.map(\.flowText).joined(separator: ", ") + "]"
        }
    }

    /// The value under `key` when this is a mapping.
    subscript(key: String) -> ConfigNode? {
        guard case .mapping(let entries) = value else { return nil }
        return entries.last { $0.key == key }?.value
    }

    /// Puts `node` at `path` below this node, creating mappings on the way (positioned at `position`).
    ///
    /// A mapping placed onto a mapping is merged key by key, recursively; anything else replaces what
    /// was there (a list from the environment replaces the file's list as a whole).
    mutating func set(_ node: ConfigNode, at path: ArraySlice<String>, creatingAt position: SourcePosition) {
        guard let key = path.first else {
            merge(node)
            return
        }
        var entries: [Entry]
        if case .mapping(let existing) = value {
            entries = existing
        } else {
            entries = []
            self = ConfigNode(.mapping([]), at: position)
        }
        if let index = entries.lastIndex(where: { $0.key == key }) {
            entries[index].value.set(node, at: path.dropFirst(), creatingAt: position)
        } else {
            var child = ConfigNode(.mapping([]), at: position)
            if path.count == 1 {
                child = node
            } else {
                child.set(node, at: path.dropFirst(), creatingAt: position)
            }
            entries.append(Entry(key: key, keyPosition: position, value: child))
        }
        value = .mapping(entries)
    }

    private mutating func merge(_ node: ConfigNode) {
        guard case .mapping(let existing) = value, case .mapping(let incoming) = node.value else {
            self = node
            return
        }
        var entries = existing
        for entry in incoming {
            if let index = entries.lastIndex(where: { $0.key == entry.key }) {
                entries[index].value.merge(entry.value)
                entries[index].keyPosition = entry.keyPosition
            } else {
                entries.append(entry)
            }
        }
        self = ConfigNode(.mapping(entries), at: node.position)
    }
}
