import GRDB

extension AyakaStore {
    /// Creates a guild with its `@everyone` role (id = guild id), a category, a `general` text channel inside it
    /// and the owner as its first member.
    func createGuild(_ new: NewGuild) async throws -> (Guild, [Channel]) {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO guilds (id, name, description, owner_id) VALUES (?, ?, ?, ?)",
                arguments: [new.id, new.name, new.description, new.ownerID]
            )
            try db.execute(
                sql: "INSERT INTO roles (id, guild_id, name, position, color, permissions) VALUES (?, ?, ?, 0, ?, ?)",
                arguments: [
                    new.id, new.id, "@everyone", "#000000", RowDecoding.encodeList(Permissions.everyoneDefault.names),
                ]
            )
            try db.execute(
                sql: """
                    INSERT INTO channels (id, guild_id, name, description, inside_of, type, position)
                    VALUES (?, ?, 'Text Channels', '', 0, 1, 0), (?, ?, 'general', '', ?, 2, 0)
                    """,
                arguments: [new.categoryID, new.id, new.channelID, new.id, new.categoryID]
            )
            try db.execute(
                sql: "INSERT INTO members (guild_id, user_id, joined_at, roles) VALUES (?, ?, ?, ?)",
                arguments: [new.id, new.ownerID, new.joinedAt, RowDecoding.encodeList([new.id])]
            )
            return (try Self.fetchGuild(db, id: new.id)!, try Self.fetchChannels(db, guildID: new.id))
        }
    }

    func guild(id: Int64) async throws -> Guild? {
        try await pool.read { db in try Self.fetchGuild(db, id: id) }
    }

    func channels(guildID: Int64) async throws -> [Channel] {
        try await pool.read { db in try Self.fetchChannels(db, guildID: guildID) }
    }

    /// Guilds the user is a member of, oldest first, with their channels.
    func guildsWithChannels(userID: Int64) async throws -> [(Guild, [Channel])] {
        try await pool.read { db in
            let ids = try Int64.fetchAll(
                db,
                sql: "SELECT guild_id FROM members WHERE user_id = ? ORDER BY guild_id",
                arguments: [userID]
            )
            return try ids.compactMap { id in
                guard let guild = try Self.fetchGuild(db, id: id) else { return nil }
                return (guild, try Self.fetchChannels(db, guildID: id))
            }
        }
    }

    func updateGuild(id: Int64, _ changes: GuildChanges) async throws -> Guild {
        try await pool.write { db in
            guard var guild = try Self.fetchGuild(db, id: id) else { throw StoreError.notFound }
            guild.name = changes.name ?? guild.name
            guild.description = changes.description ?? guild.description
            guild.banner = changes.banner ?? guild.banner
            guild.inviteBanner = changes.inviteBanner ?? guild.inviteBanner
            guild.vanityURL = changes.vanityURL ?? guild.vanityURL
            try db.execute(
                sql: """
                    UPDATE guilds SET name = ?, description = ?, banner = ?, invite_banner = ?, vanity_url = ?
                    WHERE id = ?
                    """,
                arguments: [guild.name, guild.description, guild.banner, guild.inviteBanner, guild.vanityURL, id]
            )
            return guild
        }
    }

    /// Deletes a guild and everything in it; returns the ids of the users who were members.
    func deleteGuild(id: Int64) async throws -> [Int64] {
        try await pool.write { db in
            let members = try Int64.fetchAll(db, sql: "SELECT user_id FROM members WHERE guild_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM guilds WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { throw StoreError.notFound }
            return members
        }
    }

    func memberIDs(guildID: Int64) async throws -> [Int64] {
        try await pool.read { db in
            try Int64.fetchAll(db, sql: "SELECT user_id FROM members WHERE guild_id = ?", arguments: [guildID])
        }
    }

    func memberCount(guildID: Int64) async throws -> Int {
        try await pool.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM members WHERE guild_id = ?", arguments: [guildID]) ?? 0
        }
    }

    func member(guildID: Int64, userID: Int64) async throws -> Member? {
        try await pool.read { db in try Self.fetchMember(db, guildID: guildID, userID: userID) }
    }

    /// Users who share at least one guild with `userID`, without `userID` itself.
    func userIDsSharingGuild(with userID: Int64) async throws -> [Int64] {
        try await pool.read { db in
            try Int64.fetchAll(
                db,
                sql: """
                    SELECT DISTINCT other.user_id FROM members AS mine
                    JOIN members AS other ON other.guild_id = mine.guild_id
                    WHERE mine.user_id = ? AND other.user_id != ?
                    """,
                arguments: [userID, userID]
            )
        }
    }

    // MARK: Invites, members, channels

    func createInvite(_ invite: Invite) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO invites (code, guild_id, inviter_id, created_at) VALUES (?, ?, ?, ?)",
                arguments: [invite.code, invite.guildID, invite.inviterID, invite.createdAt]
            )
        }
    }

    func invite(code: String) async throws -> Invite? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM invites WHERE code = ?", arguments: [code]).map(RowDecoding.invite)
        }
    }

    /// Adds the user to the guild; `joined` is false when they already were a member (the member is unchanged).
    func join(guildID: Int64, userID: Int64, joinedAt: String) async throws -> (member: Member, joined: Bool) {
        try await pool.write { db in
            if let existing = try Self.fetchMember(db, guildID: guildID, userID: userID) {
                return (existing, false)
            }
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM guilds WHERE id = ?", arguments: [guildID]) == true else {
                throw StoreError.notFound
            }
            try db.execute(
                sql: "INSERT INTO members (guild_id, user_id, joined_at, roles) VALUES (?, ?, ?, ?)",
                arguments: [guildID, userID, joinedAt, RowDecoding.encodeList([guildID])]
            )
            return (try Self.fetchMember(db, guildID: guildID, userID: userID)!, true)
        }
    }

    /// Inserts a channel at the end of its parent (or of the top level).
    func createChannel(
        id: Int64, guildID: Int64, name: String, description: String, kind: Channel.Kind, insideOf: Int64
    ) async throws -> Channel {
        try await pool.write { db in
            if insideOf != 0 {
                let parentIsCategory = try Bool.fetchOne(
                    db,
                    sql: "SELECT 1 FROM channels WHERE id = ? AND guild_id = ? AND type = 1",
                    arguments: [insideOf, guildID]
                ) == true
                guard parentIsCategory else { throw StoreError.invalidParent }
            }
            let position = try Int.fetchOne(
                db,
                sql: "SELECT COUNT(*) FROM channels WHERE guild_id = ? AND inside_of = ? AND type = ?",
                arguments: [guildID, insideOf, kind.rawValue]
            ) ?? 0
            try db.execute(
                sql: """
                    INSERT INTO channels (id, guild_id, name, description, inside_of, type, position)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [id, guildID, name, description, insideOf, kind.rawValue, position]
            )
            return Channel(
                id: id, guildID: guildID, name: name, description: description, insideOf: insideOf,
                type: kind.rawValue, position: position
            )
        }
    }

    // MARK: Fetch helpers

    static func fetchGuild(_ db: Database, id: Int64) throws -> Guild? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM guilds WHERE id = ?", arguments: [id]) else {
            return nil
        }
        let roles = try Row.fetchAll(
            db,
            sql: "SELECT * FROM roles WHERE guild_id = ? ORDER BY position, id",
            arguments: [id]
        ).map(RowDecoding.role)
        return RowDecoding.guild(row, roles: roles)
    }

    static func fetchChannels(_ db: Database, guildID: Int64) throws -> [Channel] {
        try Row.fetchAll(
            db,
            sql: "SELECT * FROM channels WHERE guild_id = ? ORDER BY type, inside_of, position, id",
            arguments: [guildID]
        ).map(RowDecoding.channel)
    }

    static func fetchMember(_ db: Database, guildID: Int64, userID: Int64) throws -> Member? {
        guard
            let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT members.*, guilds.owner_id FROM members JOIN guilds ON guilds.id = members.guild_id
                    WHERE members.guild_id = ? AND members.user_id = ?
                    """,
                arguments: [guildID, userID]
            ),
            let userRow = try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [userID])
        else { return nil }
        let ownerID: Int64 = row["owner_id"]
        return Member(
            guildID: guildID,
            user: RowDecoding.user(userRow),
            nick: row["nick"],
            avatarURL: row["avatar_url"],
            bannerURL: row["banner_url"],
            joinedAt: row["joined_at"],
            deaf: row["deaf"],
            mute: row["mute"],
            owner: ownerID == userID,
            roles: RowDecoding.decodeList(row["roles"])
        )
    }
}
