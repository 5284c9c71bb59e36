import EdgeCore
import Testing

/// Loads `yaml` as `test.yaml`; a test failure (with every problem) when it does not load.
func loadConfig(
    _ yaml: String, environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
) -> EdgeConfig? {
    do {
        return try ConfigLoader.load(yaml: yaml, file: "test.yaml", environment: environment)
    } catch {
        Issue.record("expected a valid config, got:\n\(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// The problems `yaml` (as `test.yaml`) has; empty when it loads.
func configProblems(_ yaml: String, environment: [String: String] = [:]) -> [ConfigProblem] {
    do {
        _ = try ConfigLoader.load(yaml: yaml, file: "test.yaml", environment: environment)
        return []
    } catch {
        return error.problems
    }
}

/// The single problem of `yaml`; a test failure when there is not exactly one.
func singleProblem(
    _ yaml: String, environment: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation
) -> ConfigProblem? {
    let problems = configProblems(yaml, environment: environment)
    guard problems.count == 1 else {
        Issue.record("expected one problem, got \(problems.count):\n\(ConfigErrors(problems: problems))",
                     sourceLocation: sourceLocation)
        return nil
    }
    return problems[0]
}

/// Expects exactly one problem, at `keyPath` on `line`, whose message contains `message`.
func expectProblem(
    _ yaml: String, environment: [String: String] = [:], keyPath: String, line: Int?, message: String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let problem = singleProblem(yaml, environment: environment, sourceLocation: sourceLocation) else { return }
    #expect(problem.keyPath == keyPath, "\(problem)", sourceLocation: sourceLocation)
    #expect(problem.line == line, "\(problem)", sourceLocation: sourceLocation)
    #expect(problem.message.contains(message), "\(problem)", sourceLocation: sourceLocation)
}
