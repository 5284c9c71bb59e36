/// The contract's field rules. Each check returns the complaint for the `errors` object, or `nil` when valid.
enum Validation {
    static let usernameLength = 2...32
    static let separatorRange = 0...9999
    static let passwordMinimum = 8
    static let passwordMaximum = 1024
    static let guildNameLength = 1...100
    static let channelNameLength = 1...100
    static let descriptionMaximum = 1024
    static let bioMaximum = 1024
    static let emailMaximum = 254
    static let urlMaximum = 2048

    static func username(_ value: String) -> String? {
        guard usernameLength.contains(value.count) else { return "must be 2 to 32 characters" }
        guard value.contains(where: { !$0.isWhitespace }) else { return "must not be blank" }
        guard !value.contains("#") && !value.contains("@") else { return "must not contain '#' or '@'" }
        return nil
    }

    static func separator(_ value: Int) -> String? {
        separatorRange.contains(value) ? nil : "must be between 0 and 9999"
    }

    static func email(_ value: String) -> String? {
        guard value.count <= emailMaximum else { return "must be at most 254 characters" }
        let parts = value.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, !value.contains(where: \.isWhitespace) else {
            return "must be an email address (name@domain)"
        }
        return nil
    }

    static func password(_ value: String) -> String? {
        guard value.count >= passwordMinimum else { return "must be at least 8 characters" }
        guard value.utf8.count <= passwordMaximum else { return "must be at most 1024 bytes" }
        return nil
    }

    static func guildName(_ value: String) -> String? {
        guildNameLength.contains(value.count) && value.contains(where: { !$0.isWhitespace })
            ? nil : "must be 1 to 100 characters, not all blank"
    }

    static func channelName(_ value: String) -> String? {
        channelNameLength.contains(value.count) && value.contains(where: { !$0.isWhitespace })
            ? nil : "must be 1 to 100 characters, not all blank"
    }

    static func text(_ value: String, maximum: Int) -> String? {
        value.count <= maximum ? nil : "must be at most \(maximum) characters"
    }

    /// Collects complaints; throws a 400 ``APIError`` when there are any.
    struct Collector {
        private(set) var errors: [String: String] = [:]

        mutating func check<Value>(_ field: String, _ value: Value?, _ rule: (Value) -> String?) {
            if let value, let problem = rule(value) {
                errors[field] = problem
            }
        }

        func throwIfInvalid() throws {
            if !errors.isEmpty { throw APIError.invalid(errors) }
        }
    }
}
