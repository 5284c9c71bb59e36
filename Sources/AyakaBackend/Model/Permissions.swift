/// What a member may do in a guild. Roles store them as a list of names (`["CREATE_INVITE"]`).
///
/// | name | allows |
/// |---|---|
/// | `ADMINISTRATOR` | everything below |
/// | `MANAGE_GUILD` | `PATCH /guilds/{id}` |
/// | `MANAGE_CHANNELS` | `POST /guilds/{id}/channels` |
/// | `CREATE_INVITE` | `POST /guilds/{id}/invites` |
///
/// The owner holds every permission; deleting a guild is reserved to its owner whatever the roles say.
/// `@everyone` starts with ``everyoneDefault`` (`CREATE_INVITE`).
struct Permissions: OptionSet, Sendable, Hashable {
    let rawValue: UInt32

    static let administrator = Permissions(rawValue: 1 << 0)
    static let manageGuild = Permissions(rawValue: 1 << 1)
    static let manageChannels = Permissions(rawValue: 1 << 2)
    static let createInvite = Permissions(rawValue: 1 << 3)

    static let all: Permissions = [.administrator, .manageGuild, .manageChannels, .createInvite]
    static let everyoneDefault: Permissions = [.createInvite]

    /// Names in wire order.
    static let named: [(name: String, permission: Permissions)] = [
        ("ADMINISTRATOR", .administrator),
        ("MANAGE_GUILD", .manageGuild),
        ("MANAGE_CHANNELS", .manageChannels),
        ("CREATE_INVITE", .createInvite),
    ]

    init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// Parses names; unknown names are ignored (and reported by ``unknownNames(in:)``).
    init(names: [String]) {
        var permissions: Permissions = []
        for name in names {
            if let match = Self.named.first(where: { $0.name == name }) {
                permissions.insert(match.permission)
            }
        }
        self = permissions
    }

    static func unknownNames(in names: [String]) -> [String] {
        names.filter { name in !named.contains { $0.name == name } }
    }

    var names: [String] {
        Self.named.filter { self.contains($0.permission) }.map(\.name)
    }

    /// A member's effective permissions: everything for the owner or an administrator, else the union of roles.
    static func effective(isOwner: Bool, roles: [Permissions]) -> Permissions {
        if isOwner { return .all }
        let union = roles.reduce(into: Permissions()) { $0.formUnion($1) }
        return union.contains(.administrator) ? .all : union
    }
}
