/// A test expectation that failed inside a helper, with what was seen instead.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
