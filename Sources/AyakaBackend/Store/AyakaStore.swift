import Foundation
import GRDB

/// The reference backend's SQLite store (GRDB `DatabasePool`, WAL). Every method is async and runs its
/// SQL on GRDB's own threads, never on an event loop.
final class AyakaStore: Sendable {
    let pool: DatabasePool

    /// Opens (creating the file and its parent directory when missing) and migrates the database.
    init(path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        self.pool = try DatabasePool(path: path, configuration: configuration)
        try Schema.migrator.migrate(pool)
    }

    // MARK: Users and sessions

    func createUser(_ new: NewUser, sessionID: String, createdAt: String) async throws -> User {
        try await pool.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE email = ?", arguments: [new.email]) == true {
                throw StoreError.conflict(field: "email", message: "is already registered")
            }
            let separator = try new.separator ?? Self.freeSeparator(db, username: new.username)
            try Self.ensureNameFree(db, username: new.username, separator: separator, except: nil)
            try db.execute(
                sql: """
                    INSERT INTO users (id, username, separator, bio, email, password) VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [new.id, new.username, separator, new.bio, new.email, new.passwordHash]
            )
            try db.execute(
                sql: "INSERT INTO sessions (id, user_id, created_at) VALUES (?, ?, ?)",
                arguments: [sessionID, new.id, createdAt]
            )
            return try Self.fetchUser(db, id: new.id)!
        }
    }

    func user(id: Int64) async throws -> User? {
        try await pool.read { db in try Self.fetchUser(db, id: id) }
    }

    func user(sessionID: String) async throws -> User? {
        try await pool.read { db in
            try Row.fetchOne(
                db,
                sql: "SELECT users.* FROM sessions JOIN users ON users.id = sessions.user_id WHERE sessions.id = ?",
                arguments: [sessionID]
            ).map(RowDecoding.user)
        }
    }

    func user(email: String) async throws -> User? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM users WHERE email = ?", arguments: [email]).map(RowDecoding.user)
        }
    }

    func sessionIDs(userID: Int64) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(
                db, sql: "SELECT id FROM sessions WHERE user_id = ? ORDER BY rowid", arguments: [userID]
            )
        }
    }

    func addSession(id: String, userID: Int64, createdAt: String) async throws {
        try await pool.write { db in
            try db.execute(
                sql: "INSERT INTO sessions (id, user_id, created_at) VALUES (?, ?, ?)",
                arguments: [id, userID, createdAt]
            )
        }
    }

    func updateUser(id: Int64, _ changes: UserChanges) async throws -> User {
        try await pool.write { db in
            guard var user = try Self.fetchUser(db, id: id) else { throw StoreError.notFound }
            if let email = changes.email, email.lowercased() != user.email.lowercased() {
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE email = ?", arguments: [email]) == true {
                    throw StoreError.conflict(field: "email", message: "is already registered")
                }
            }
            user.email = changes.email ?? user.email
            user.bio = changes.bio ?? user.bio
            user.passwordHash = changes.passwordHash ?? user.passwordHash
            user.avatarURL = changes.avatarURL ?? user.avatarURL
            user.bannerURL = changes.bannerURL ?? user.bannerURL
            if changes.username != nil || changes.separator != nil {
                let username = changes.username ?? user.username
                let separator = try changes.separator ?? {
                    // A new name keeps its separator when free, else takes a free one.
                    let taken = try Bool.fetchOne(
                        db,
                        sql: "SELECT 1 FROM users WHERE username = ? AND separator = ? AND id != ?",
                        arguments: [username, user.separator, id]
                    ) == true
                    return taken ? try Self.freeSeparator(db, username: username) : user.separator
                }()
                try Self.ensureNameFree(db, username: username, separator: separator, except: id)
                user.username = username
                user.separator = separator
            }
            try db.execute(
                sql: """
                    UPDATE users SET username = ?, separator = ?, bio = ?, email = ?, password = ?,
                        avatar_url = ?, banner_url = ? WHERE id = ?
                    """,
                arguments: [
                    user.username, user.separator, user.bio, user.email, user.passwordHash,
                    user.avatarURL, user.bannerURL, id,
                ]
            )
            return user
        }
    }

    private static func fetchUser(_ db: Database, id: Int64) throws -> User? {
        try Row.fetchOne(db, sql: "SELECT * FROM users WHERE id = ?", arguments: [id]).map(RowDecoding.user)
    }

    private static func ensureNameFree(_ db: Database, username: String, separator: Int, except id: Int64?) throws {
        let taken = try Bool.fetchOne(
            db,
            sql: "SELECT 1 FROM users WHERE username = ? AND separator = ? AND id IS NOT ?",
            arguments: [username, separator, id]
        ) == true
        if taken {
            throw StoreError.conflict(field: "separator", message: "this username and separator are already taken")
        }
    }

    private static func freeSeparator(_ db: Database, username: String) throws -> Int {
        let used = Set(
            try Int.fetchAll(db, sql: "SELECT separator FROM users WHERE username = ?", arguments: [username])
        )
        if used.count >= 10_000 {
            throw StoreError.conflict(field: "username", message: "every separator of this username is taken")
        }
        var candidate = Int.random(in: 1...9999)
        while used.contains(candidate) {
            candidate = (candidate + 1) % 10_000
        }
        return candidate
    }
}
