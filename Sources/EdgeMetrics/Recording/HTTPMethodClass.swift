/// The request method as one of a few classes, so metric rows are keyed by a small integer.
///
/// Methods outside the standard set fold into `other`; the raw method text never reaches a label.
public enum HTTPMethodClass: Int, Sendable, CaseIterable, Comparable {
    case get, post, put, patch, delete, head, options, other

    /// The method name as stored in the database and shown on `/status` and in reports.
    public var name: String {
        switch self {
        case .get: "GET"
        case .post: "POST"
        case .put: "PUT"
        case .patch: "PATCH"
        case .delete: "DELETE"
        case .head: "HEAD"
        case .options: "OPTIONS"
        case .other: "OTHER"
        }
    }

    /// Classifies a method name (case-sensitive, as HTTP methods are).
    public init(name: String) {
        self = HTTPMethodClass.allCases.first { $0 != .other && $0.name == name } ?? .other
    }

    public static func < (lhs: HTTPMethodClass, rhs: HTTPMethodClass) -> Bool { lhs.rawValue < rhs.rawValue }
}
