/// A category (`type` 1, `inside_of` 0) or a text channel (`type` 2, `inside_of` a category id or 0).
/// `guild_id` is an addition to the seed's fields so that `CHANNEL_CREATE` names its guild.
struct Channel: Sendable, Equatable, Encodable {
    enum Kind: Int, Sendable {
        case category = 1
        case text = 2
    }

    var id: Int64
    var guildID: Int64
    var name: String
    var description: String
    var insideOf: Int64
    var type: Int
    var position: Int

    enum CodingKeys: String, CodingKey {
        case id, name, description, type, position
        case guildID = "guild_id"
        case insideOf = "inside_of"
    }
}
