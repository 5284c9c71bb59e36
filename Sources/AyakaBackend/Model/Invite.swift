/// An invite code to a guild.
struct Invite: Sendable, Equatable, Encodable {
    var code: String
    var guildID: Int64
    var inviterID: Int64
    var createdAt: String

    enum CodingKeys: String, CodingKey {
        case code
        case guildID = "guild_id"
        case inviterID = "inviter_id"
        case createdAt = "created_at"
    }
}
