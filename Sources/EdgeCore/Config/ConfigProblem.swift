/// One thing wrong with a configuration: where it is, which key, the offending value and what would be valid.
///
/// Rendered one per line as `FILE:LINE:COL: KEY.PATH: MESSAGE (got 'VALUE')`, or with the location
/// `environment AYAKA_EDGE_...` when the value came from an environment variable.
public struct ConfigProblem: Sendable, Hashable, CustomStringConvertible {
    /// Where the offending text was written.
    public enum Origin: Sendable, Hashable {
        /// A config file (the name the caller passed to `ConfigLoader.load`).
        case file(String)
        /// An `AYAKA_EDGE_*` environment variable, by name.
        case environment(variable: String)
    }

    public var origin: Origin
    /// 1-based line in the file; nil for environment variables (and the rare error without a position).
    public var line: Int?
    /// 1-based column (in Unicode scalars); nil when `line` is.
    public var column: Int?
    /// `rate_limits.routes[1].per`; empty for problems of the document as a whole (YAML syntax).
    public var keyPath: String
    /// The offending value as written (scalars verbatim, lists and mappings abbreviated); nil when not useful.
    public var value: String?
    /// What is wrong and what would be valid.
    public var message: String

    public init(
        origin: Origin, line: Int?, column: Int?, keyPath: String, value: String?, message: String
    ) {
        self.origin = origin
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.value = value
        self.message = message
    }

    /// The file name, or nil when the problem comes from an environment variable.
    public var file: String? {
        if case .file(let name) = origin { return name }
        return nil
    }

    /// The environment variable's name, or nil when the problem comes from the file.
    public var environmentVariable: String? {
        if case .environment(let name) = origin { return name }
        return nil
    }

    /// `FILE:LINE:COL` (as much of it as is known) or `environment AYAKA_EDGE_...`.
    public var location: String {
        switch origin {
        case .environment(let variable):
            return "environment \(variable)"
        case .file(let name):
            guard let line else { return name }
            guard let column else { return "\(name):\(line)" }
            return "\(name):\(line):\(column)"
        }
    }

    public var description: String {
        var text = location + ": "
        if !keyPath.isEmpty { text += keyPath + ": " }
        text += message
        if let value { text += " (got '\(value)')" }
        return text
    }
}

/// Every problem found in a configuration; thrown by `ConfigLoader` when there is at least one.
///
/// `description` lists them one per line, in file order (line, then column), environment variables last.
public struct ConfigErrors: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [ConfigProblem]

    public init(problems: [ConfigProblem]) {
        self.problems = problems
    }

    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}
