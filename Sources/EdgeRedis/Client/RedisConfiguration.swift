import EdgeCore
import NIOCore

/// Where and how to reach Redis: parsed from `rate_limits.store` (`redis://[[user]:password@]host:port[/db]`)
/// with the password optionally from `AYAKA_EDGE_REDIS_PASSWORD` (which wins over one in the URL, so the URL
/// in a config file can stay free of secrets).
///
/// `description` never shows the password: it prints `redis://user:***@host:port/db`.
public struct RedisConfiguration: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var database: Int
    public var username: String?
    public var password: String?
    /// Longest wait for TCP connect plus AUTH, SELECT and SCRIPT LOAD.
    public var connectTimeout: TimeAmount = .milliseconds(250)
    /// Longest wait for a reply; on expiry the connection is closed (its pipeline cannot be resynchronised).
    public var commandTimeout: TimeAmount = .milliseconds(100)
    /// Connections per event loop (commands are pipelined on each; two spread the load of a busy loop).
    public var connectionsPerLoop = 1
    /// Reconnect backoff: the first delay, doubled per failed attempt up to `maxBackoff`, with jitter.
    public var initialBackoff: TimeAmount = .milliseconds(50)
    public var maxBackoff: TimeAmount = .seconds(5)
    /// Decoder limits for replies.
    public var limits = RESPLimits()

    public init(
        host: String, port: Int = 6379, database: Int = 0, username: String? = nil,
        password: String? = nil
    ) {
        self.host = host
        self.port = port
        self.database = database
        self.username = username
        self.password = password
    }

    /// The environment variable that supplies the password.
    public static let passwordVariable = "AYAKA_EDGE_REDIS_PASSWORD"

    /// Parses `redis://[[user]:password@]host:port[/db]`; `environment[passwordVariable]`, when set and not
    /// empty, is the password. Userinfo is percent-decoded.
    public init(url: String, environment: [String: String] = [:]) throws(RedisClientError) {
        let scheme = "redis://"
        guard url.hasPrefix(scheme) else { throw .invalidURL("expected redis://host:port/db") }
        var rest = Substring(url.dropFirst(scheme.count))
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userinfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = userinfo.firstIndex(of: ":") {
                let user = Self.percentDecoded(userinfo[..<colon])
                username = user.isEmpty ? nil : user
                password = Self.percentDecoded(userinfo[userinfo.index(after: colon)...])
            } else {
                // `redis://secret@host` is how some tools write a password alone.
                password = Self.percentDecoded(userinfo)
            }
        }
        var database = 0
        if let slash = rest.firstIndex(of: "/") {
            let text = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
            if !text.isEmpty {
                guard let number = Int(text), number >= 0, number <= 99_999 else {
                    throw .invalidURL("the database after / is a number")
                }
                database = number
            }
        }
        guard let address = HostPort(parsing: String(rest)), !address.host.isEmpty, address.port > 0 else {
            throw .invalidURL("expected host:port with a port 1-65535")
        }
        if let fromEnvironment = environment[Self.passwordVariable], !fromEnvironment.isEmpty {
            password = fromEnvironment
        }
        self.init(
            host: address.host, port: address.port, database: database, username: username,
            password: password?.isEmpty == true ? nil : password)
    }

    public var description: String {
        var text = "redis://"
        if username != nil || password != nil {
            text += username ?? ""
            if password != nil { text += ":***" }
            text += "@"
        }
        text += host.contains(":") ? "[\(host)]" : host
        return text + ":\(port)/\(database)"
    }

    private static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
                let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
