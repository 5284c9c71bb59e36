/// A guild with its roles. `emojis` is always empty: the seed defines no emoji routes.
struct Guild: Sendable, Equatable {
    var id: Int64
    var name: String
    var description: String
    var banner: String?
    var inviteBanner: String?
    var vanityURL: String?
    var verified: Bool
    var partnered: Bool
    var official: Bool
    var ownerID: Int64
    var roles: [Role]
}

/// The JSON form of a ``Guild``; with `channels` for `GUILD_INIT`, `GUILD_CREATE` and `GUILD_JOIN`.
struct GuildPayload: Encodable, Sendable {
    let guild: Guild
    var channels: [Channel]?

    init(_ guild: Guild, channels: [Channel]? = nil) {
        self.guild = guild
        self.channels = channels
    }

    enum CodingKeys: String, CodingKey {
        case id, name, description, banner, verified, partnered, official, owner, emojis, roles, channels
        case inviteBanner = "invite_banner"
        case vanityURL = "vanity_url"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(guild.id, forKey: .id)
        try container.encode(guild.name, forKey: .name)
        try container.encode(guild.description, forKey: .description)
        try container.encode(guild.banner, forKey: .banner)
        try container.encode(guild.inviteBanner, forKey: .inviteBanner)
        try container.encode(guild.vanityURL, forKey: .vanityURL)
        try container.encode(guild.verified, forKey: .verified)
        try container.encode(guild.partnered, forKey: .partnered)
        try container.encode(guild.official, forKey: .official)
        try container.encode(guild.ownerID, forKey: .owner)
        try container.encode([String](), forKey: .emojis)
        try container.encode(guild.roles, forKey: .roles)
        try container.encodeIfPresent(channels, forKey: .channels)
    }
}

/// `GET /guilds/{id}/preview`: what anyone may see without a session.
struct GuildPreviewPayload: Encodable, Sendable {
    let guild: Guild
    let memberCount: Int

    enum CodingKeys: String, CodingKey {
        case id, name, description, banner, verified, partnered, official, emojis
        case inviteBanner = "invite_banner"
        case vanityURL = "vanity_url"
        case memberCount = "member_count"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(guild.id, forKey: .id)
        try container.encode(guild.name, forKey: .name)
        try container.encode(guild.description, forKey: .description)
        try container.encode(guild.banner, forKey: .banner)
        try container.encode(guild.inviteBanner, forKey: .inviteBanner)
        try container.encode(guild.vanityURL, forKey: .vanityURL)
        try container.encode(guild.verified, forKey: .verified)
        try container.encode(guild.partnered, forKey: .partnered)
        try container.encode(guild.official, forKey: .official)
        try container.encode([String](), forKey: .emojis)
        try container.encode(memberCount, forKey: .memberCount)
    }
}
