/// Settings of the reference backend: listeners, database, gateway timings, password cost, body limit.
public struct BackendConfiguration: Sendable {
    public var restHost = "127.0.0.1"
    public var restPort = 7070
    public var gatewayHost = "127.0.0.1"
    public var gatewayPort = 7071
    /// SQLite file; its parent directory is created when missing.
    public var databasePath = "data/ayaka.sqlite"
    /// What `GET /available` names; `nil`: `ws://gatewayHost:<bound gateway port>`.
    public var publicGatewayURL: String? = nil
    /// A gateway client must send a WebSocket ping within `pingInterval + pingTimeout` of the previous one (or of
    /// connecting), else it is closed with 4009 `Session timed out`.
    public var pingInterval: Duration = .seconds(20)
    public var pingTimeout: Duration = .seconds(20)
    /// Time allowed between the WebSocket upgrade and the identify payload (4003 `Not authenticated`).
    public var identifyTimeout: Duration = .seconds(10)
    /// PBKDF2-SHA256 rounds for new password hashes; tests may lower it.
    public var passwordHashRounds = 210_000
    /// Largest accepted request body in bytes (413 above it).
    public var maxBodySize = 1 << 20

    public init() {}
}
