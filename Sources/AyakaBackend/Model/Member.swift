/// A user's membership of a guild. `roles` always holds the `@everyone` role id (the guild id).
struct Member: Sendable, Equatable {
    var guildID: Int64
    var user: User
    var nick: String?
    var avatarURL: String?
    var bannerURL: String?
    var joinedAt: String
    var deaf: Bool
    var mute: Bool
    var owner: Bool
    var roles: [Int64]
}

/// The JSON form of a ``Member``; its user is the public view (no email, no sessions).
struct MemberPayload: Encodable, Sendable {
    let member: Member

    init(_ member: Member) {
        self.member = member
    }

    enum CodingKeys: String, CodingKey {
        case user, nick, deaf, mute, owner, roles
        case guildID = "guild_id"
        case avatarURL = "avatar_url"
        case bannerURL = "banner_url"
        case joinedAt = "joined_at"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(UserPayload(user: member.user, visibility: .public), forKey: .user)
        try container.encode(member.guildID, forKey: .guildID)
        try container.encode(member.nick, forKey: .nick)
        try container.encode(member.avatarURL, forKey: .avatarURL)
        try container.encode(member.bannerURL, forKey: .bannerURL)
        try container.encode(member.joinedAt, forKey: .joinedAt)
        try container.encode(member.deaf, forKey: .deaf)
        try container.encode(member.mute, forKey: .mute)
        try container.encode(member.owner, forKey: .owner)
        try container.encode(member.roles, forKey: .roles)
    }
}
