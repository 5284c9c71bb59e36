import GRDB

/// The backend database's migrations. Add a new migration for every change; never edit a shipped one.
enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: users, sessions, guilds, roles, members, channels, invites") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    id INTEGER PRIMARY KEY,
                    username TEXT NOT NULL,
                    separator INTEGER NOT NULL,
                    bio TEXT NOT NULL DEFAULT '',
                    avatar_url TEXT,
                    banner_url TEXT,
                    flags TEXT NOT NULL DEFAULT '[]',
                    verified INTEGER NOT NULL DEFAULT 0,
                    email TEXT NOT NULL UNIQUE COLLATE NOCASE,
                    password TEXT NOT NULL,
                    system INTEGER NOT NULL DEFAULT 0,
                    email_verified INTEGER NOT NULL DEFAULT 0,
                    UNIQUE (username, separator)
                );
                CREATE TABLE sessions (
                    id TEXT PRIMARY KEY,
                    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    created_at TEXT NOT NULL
                );
                CREATE INDEX sessions_user ON sessions(user_id);
                CREATE TABLE guilds (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    description TEXT NOT NULL DEFAULT '',
                    banner TEXT,
                    invite_banner TEXT,
                    vanity_url TEXT,
                    verified INTEGER NOT NULL DEFAULT 0,
                    partnered INTEGER NOT NULL DEFAULT 0,
                    official INTEGER NOT NULL DEFAULT 0,
                    owner_id INTEGER NOT NULL REFERENCES users(id)
                );
                CREATE TABLE roles (
                    id INTEGER PRIMARY KEY,
                    guild_id INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    color TEXT NOT NULL DEFAULT '#000000',
                    permissions TEXT NOT NULL DEFAULT '[]'
                );
                CREATE INDEX roles_guild ON roles(guild_id);
                CREATE TABLE members (
                    guild_id INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
                    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                    nick TEXT,
                    avatar_url TEXT,
                    banner_url TEXT,
                    joined_at TEXT NOT NULL,
                    deaf INTEGER NOT NULL DEFAULT 0,
                    mute INTEGER NOT NULL DEFAULT 0,
                    roles TEXT NOT NULL DEFAULT '[]',
                    PRIMARY KEY (guild_id, user_id)
                );
                CREATE INDEX members_user ON members(user_id);
                CREATE TABLE channels (
                    id INTEGER PRIMARY KEY,
                    guild_id INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    description TEXT NOT NULL DEFAULT '',
                    inside_of INTEGER NOT NULL DEFAULT 0,
                    type INTEGER NOT NULL,
                    position INTEGER NOT NULL
                );
                CREATE INDEX channels_guild ON channels(guild_id);
                CREATE TABLE invites (
                    code TEXT PRIMARY KEY,
                    guild_id INTEGER NOT NULL REFERENCES guilds(id) ON DELETE CASCADE,
                    inviter_id INTEGER NOT NULL REFERENCES users(id),
                    created_at TEXT NOT NULL
                );
                """)
        }
        return migrator
    }
}
