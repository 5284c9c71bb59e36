/// Failures the store reports to its callers in terms they can turn into HTTP answers.
enum StoreError: Error, Equatable {
    /// A uniqueness rule was broken; `field` names the JSON field (`email`, `username`).
    case conflict(field: String, message: String)
    /// The row to change is gone.
    case notFound
    /// A channel's `inside_of` is not a category of the same guild.
    case invalidParent
}
