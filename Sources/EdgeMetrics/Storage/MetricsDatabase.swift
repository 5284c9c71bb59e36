import Foundation
import GRDB

/// Opening the metrics database: directory, WAL pool, migrations, and noticing a deleted file.
enum MetricsDatabase {
    /// An open pool and the identity (device, inode) of the file it opened.
    struct Connection: Sendable {
        let pool: DatabasePool
        let identity: FileIdentity
    }

    /// Which file a path names; when it changes (or vanishes) under an open pool, the pool is reopened.
    struct FileIdentity: Equatable, Sendable {
        let device: UInt64
        let inode: UInt64

        init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    /// How long a write waits for a lock held by another process (a `report` run, a Grafana query).
    static let busyTimeout: TimeInterval = 0.25

    /// Opens (creating the directory and file if needed) and migrates the database at `path`.
    static func open(path: String) throws -> Connection {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw MetricsDatabaseError.directory(directory, reason: Self.shortReason(error))
            }
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "ayaka-edge.metrics"
        let pool = try DatabasePool(path: path, configuration: configuration)
        try MetricsMigrations.migrator.migrate(pool)
        guard let identity = FileIdentity(path: path) else {
            throw MetricsDatabaseError.vanished(path)
        }
        return Connection(pool: pool, identity: identity)
    }

    /// Opens an existing database for reading only (`report`): never creates or migrates anything.
    static func openForReading(path: String) throws -> DatabasePool {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(2)
        return try DatabasePool(path: path, configuration: configuration)
    }

    /// True when `connection` still points at the file at `path`.
    static func isCurrent(_ connection: Connection, path: String) -> Bool {
        FileIdentity(path: path) == connection.identity
    }

    /// A one-line reason for logs and `/status`.
    static func shortReason(_ error: any Error) -> String {
        if let error = error as? DatabaseError {
            return "\(error.message ?? "SQLite error") (SQLite code \(error.extendedResultCode.rawValue))"
        }
        if let error = error as? MetricsDatabaseError { return error.description }
        let text = (error as NSError).localizedDescription
        return text.replacingOccurrences(of: "\n", with: " ")
    }
}

/// Failures of the metrics database that are not SQLite's own.
enum MetricsDatabaseError: Error, CustomStringConvertible {
    case directory(String, reason: String)
    case vanished(String)

    var description: String {
        switch self {
        case .directory(let path, let reason): "cannot create directory \(path): \(reason)"
        case .vanished(let path): "database file \(path) vanished after opening"
        }
    }
}
