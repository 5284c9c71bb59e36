/// Fields of a user being created (already validated and hashed).
struct NewUser: Sendable {
    var id: Int64
    var username: String
    /// `nil`: the store picks a free separator for the username.
    var separator: Int?
    var bio: String
    var email: String
    var passwordHash: String
}

/// Changes to a user (`PATCH /users/@me`); `nil` leaves a field as it is.
struct UserChanges: Sendable {
    var username: String?
    var separator: Int?
    var bio: String?
    var email: String?
    var passwordHash: String?
    var avatarURL: String?
    var bannerURL: String?
}

/// Changes to a guild (`PATCH /guilds/{id}`); `nil` leaves a field as it is.
struct GuildChanges: Sendable {
    var name: String?
    var description: String?
    var banner: String?
    var inviteBanner: String?
    var vanityURL: String?
}

/// Ids and names for a new guild and the rows every guild starts with.
struct NewGuild: Sendable {
    var id: Int64
    var name: String
    var description: String
    var ownerID: Int64
    var categoryID: Int64
    var channelID: Int64
    var joinedAt: String
}
