/// A guild role. The `@everyone` role's id equals its guild's id.
struct Role: Sendable, Equatable, Encodable {
    var id: Int64
    var name: String
    var position: Int
    var color: String
    var permissions: [String]

    var resolvedPermissions: Permissions { Permissions(names: permissions) }
}
