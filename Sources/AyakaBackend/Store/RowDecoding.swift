import Foundation
import GRDB

/// Row → model conversions for ``AyakaStore``. JSON text columns hold string and integer lists.
enum RowDecoding {
    static func user(_ row: Row) -> User {
        User(
            id: row["id"],
            username: row["username"],
            separator: row["separator"],
            bio: row["bio"],
            avatarURL: row["avatar_url"],
            bannerURL: row["banner_url"],
            flags: decodeList(row["flags"]),
            verified: row["verified"],
            email: row["email"],
            passwordHash: row["password"],
            system: row["system"],
            emailVerified: row["email_verified"]
        )
    }

    static func role(_ row: Row) -> Role {
        Role(
            id: row["id"],
            name: row["name"],
            position: row["position"],
            color: row["color"],
            permissions: decodeList(row["permissions"])
        )
    }

    static func guild(_ row: Row, roles: [Role]) -> Guild {
        Guild(
            id: row["id"],
            name: row["name"],
            description: row["description"],
            banner: row["banner"],
            inviteBanner: row["invite_banner"],
            vanityURL: row["vanity_url"],
            verified: row["verified"],
            partnered: row["partnered"],
            official: row["official"],
            ownerID: row["owner_id"],
            roles: roles
        )
    }

    static func channel(_ row: Row) -> Channel {
        Channel(
            id: row["id"],
            guildID: row["guild_id"],
            name: row["name"],
            description: row["description"],
            insideOf: row["inside_of"],
            type: row["type"],
            position: row["position"]
        )
    }

    static func invite(_ row: Row) -> Invite {
        Invite(code: row["code"], guildID: row["guild_id"], inviterID: row["inviter_id"], createdAt: row["created_at"])
    }

    static func decodeList<Element: Decodable>(_ text: String?) -> [Element] {
        guard let text, let list = try? JSONDecoder().decode([Element].self, from: Data(text.utf8)) else { return [] }
        return list
    }

    static func encodeList<Element: Encodable>(_ list: [Element]) -> String {
        guard let data = try? JSONEncoder().encode(list) else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }
}
