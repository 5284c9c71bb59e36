/// Turns config text (and `AYAKA_EDGE_*` variables) into a validated `EdgeConfig`, or every problem at once.
///
/// The YAML is composed with Yams into nodes that keep their line and column, environment overrides are
/// merged onto that tree (they win over the file), and the tree is walked by hand against the schema of
/// CONTRACT section 2, so a typo, a bad duration and a duplicate route in one file are all reported in one
/// go. Every key is optional and takes its `EdgeConfig()` default; a partial section keeps the defaults of
/// the keys it leaves out. The caller reads the file: this type does no I/O.
public enum ConfigLoader {
    /// Parses and validates `yaml`, read from `file` (the name used in problems), with `environment` overrides.
    /// `checkingTLSFiles` reads the `listen.tls` files (EdgeProxy's `TLSContextProvider.check`); without it
    /// only their paths are checked.
    public static func load(
        yaml: String, file: String, environment: [String: String], checkingTLSFiles: TLSFilesCheck? = nil
    ) throws(ConfigErrors) -> EdgeConfig {
        let (parsed, syntaxProblems) = ConfigNode.parse(yaml: yaml, origin: .file(file))
        var tree = parsed ?? ConfigNode(.null, at: SourcePosition(origin: .file(file), line: 1, column: 1))
        var problems = syntaxProblems
        problems += EnvironmentOverrides.apply(environment, to: &tree)
        // After a syntax error the tree is unknown: report the error (and the environment's) alone.
        guard parsed != nil else { throw ConfigErrors(problems: ordered(problems)) }
        let validator = ConfigValidator(checkingTLSFiles: checkingTLSFiles)
        let config = validator.validate(tree)
        problems += validator.problems
        guard problems.isEmpty else { throw ConfigErrors(problems: ordered(problems)) }
        return config
    }

    /// The built-in configuration (no file) with `environment` overrides applied.
    public static func defaults(
        environment: [String: String], checkingTLSFiles: TLSFilesCheck? = nil
    ) throws(ConfigErrors) -> EdgeConfig {
        var tree = ConfigNode(.null, at: SourcePosition(origin: .file("<defaults>"), line: nil, column: nil))
        var problems = EnvironmentOverrides.apply(environment, to: &tree)
        let validator = ConfigValidator(checkingTLSFiles: checkingTLSFiles)
        let config = validator.validate(tree)
        problems += validator.problems
        guard problems.isEmpty else { throw ConfigErrors(problems: ordered(problems)) }
        return config
    }

    /// The environment variable that overrides `keyPath` (`rate_limits.global.limit` →
    /// `AYAKA_EDGE_RATE_LIMITS_GLOBAL_LIMIT`), or nil when there is no such key.
    public static func environmentVariable(forKeyPath keyPath: String) -> String? {
        let path = keyPath.split(separator: ".").map(String.init)
        let name = EnvironmentOverrides.variableName(for: path)
        return EnvironmentOverrides.variables[name] == nil ? nil : name
    }

    /// Every overridable key path (sections, rules and single keys) in documented order.
    public static var keyPaths: [String] {
        ConfigSchema.keyPaths.map { $0.path.joined(separator: ".") }
    }

    /// `AYAKA_EDGE_*` variables that are not config keys and that the loader leaves alone:
    /// `AYAKA_EDGE_CONFIG` (the config file path) and `AYAKA_EDGE_REDIS_PASSWORD` (read by the store).
    public static var reservedEnvironmentVariables: Set<String> { EnvironmentOverrides.ignored }

    /// File problems by line and column, then environment problems by variable name; otherwise as found.
    private static func ordered(_ problems: [ConfigProblem]) -> [ConfigProblem] {
        problems.enumerated().sorted { a, b in
            sortKey(a.element, a.offset) < sortKey(b.element, b.offset)
        }.map(\.element)
    }

    private static func sortKey(_ problem: ConfigProblem, _ index: Int) -> (Int, String, Int, Int, Int) {
        switch problem.origin {
        case .file(let name):
            return (0, name, problem.line ?? 0, problem.column ?? 0, index)
        case .environment(let variable):
            return (1, variable, 0, 0, index)
        }
    }
}
