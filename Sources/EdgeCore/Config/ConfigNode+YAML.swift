import Yams

extension ConfigNode {
    /// Composes YAML text into a tree. Returns nil and a problem for a syntax error, which stops everything else.
    ///
    /// An empty document (nothing but comments) is an empty mapping: every key keeps its default.
    /// With an `.environment` origin every node is positioned at the variable rather than a line.
    static func parse(yaml: String, origin: ConfigProblem.Origin) -> (ConfigNode?, [ConfigProblem]) {
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: yaml)
        } catch {
            return (nil, [syntaxProblem(error, yaml: yaml, origin: origin)])
        }
        guard let composed else {
            let start = position(of: nil, origin: origin)
            return (ConfigNode(.null, at: start), [])
        }
        var problems: [ConfigProblem] = []
        let node = convert(composed, origin: origin, problems: &problems)
        return (node, problems)
    }

    private static func convert(
        _ node: Node, origin: ConfigProblem.Origin, problems: inout [ConfigProblem]
    ) -> ConfigNode {
        let here = position(of: node.mark, origin: origin)
        switch node {
        case .scalar(let scalar):
            if node.tag.rawValue == Tag.Name.null.rawValue { return ConfigNode(.null, at: here) }
            return ConfigNode(.scalar(scalar.string), at: here)
        case .sequence(let sequence):
            return ConfigNode(.list(sequence.map { convert($0, origin: origin, problems: &problems) }), at: here)
        case .mapping(let mapping):
            var entries: [Entry] = []
            for (key, value) in mapping {
                let keyPosition = position(of: key.mark, origin: origin)
                guard case .scalar(let keyScalar) = key else {
                    problems.append(ConfigProblem(
                        origin: origin, line: keyPosition.line, column: keyPosition.column, keyPath: "",
                        value: nil, message: "a mapping key must be a plain name, not a list or mapping"))
                    continue
                }
                let converted = convert(value, origin: origin, problems: &problems)
                entries.append(Entry(key: keyScalar.string, keyPosition: keyPosition, value: converted))
            }
            return ConfigNode(.mapping(entries), at: here)
        case .alias:
            problems.append(ConfigProblem(
                origin: origin, line: here.line, column: here.column, keyPath: "", value: nil,
                message: "YAML aliases are not supported; write the value out"))
            return ConfigNode(.null, at: here)
        }
    }

    private static func position(of mark: Mark?, origin: ConfigProblem.Origin) -> SourcePosition {
        switch origin {
        case .environment:
            return SourcePosition(origin: origin, line: nil, column: nil)
        case .file:
            return SourcePosition(origin: origin, line: mark?.line ?? 1, column: mark?.column ?? 1)
        }
    }

    /// The line and column of the next block-mapping key `key:` at `first`'s column below `first`'s line.
    private static func repetition(
        of key: String, after first: (line: Int, column: Int), in yaml: String
    ) -> (line: Int, column: Int)? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        for (offset, text) in lines.enumerated() where offset + 1 > first.line {
            let body = text.drop { $0 == " " }
            if body.isEmpty || body.hasPrefix("#") { continue }
            let indent = text.count - body.count
            if indent < first.column - 1 { return nil }  // left the mapping
            guard indent == first.column - 1, body.hasPrefix(key) else { continue }
            if body.dropFirst(key.count).drop(while: { $0 == " " }).hasPrefix(":") { return (offset + 1, indent + 1) }
        }
        return nil
    }

    /// Turns a Yams error into a problem that carries the line and column libyaml reported.
    private static func syntaxProblem(
        _ error: any Error, yaml: String, origin: ConfigProblem.Origin
    ) -> ConfigProblem {
        var mark: (line: Int, column: Int)? = nil
        var message = "YAML syntax error"
        switch error as? YamlError {
        case .scanner(let context, let problem, let at, _),
             .parser(let context, let problem, let at, _),
             .composer(let context, let problem, let at, _):
            mark = (at.line, at.column)
            message += ": \(problem)"
            if let context { message += " (\(context.text) at line \(context.mark.line))" }
        case .duplicatedKeysInMapping(let duplicates, let context):
            // Yams marks the first occurrence; point at the repetition, the line to delete or rename.
            let first = (context.mark.line, context.mark.column)
            mark = duplicates.sorted().first.flatMap { repetition(of: $0, after: first, in: yaml) } ?? first
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            message = "duplicate key \(keys) in one mapping (first at line \(first.0)); each key may appear once"
        case .reader(let problem, let offset, _, _):
            message += ": \(problem)"
            if let offset {
                let before = yaml.prefix(offset)
                let line = before.count { $0 == "\n" } + 1
                let column = before.reversed().prefix { $0 != "\n" }.count + 1
                mark = (line, column)
            }
        default:
            message += ": \(error)"
        }
        var line = mark?.line
        var column = mark?.column
        if case .environment = origin { (line, column) = (nil, nil) }
        return ConfigProblem(origin: origin, line: line, column: column, keyPath: "", value: nil, message: message)
    }
}
