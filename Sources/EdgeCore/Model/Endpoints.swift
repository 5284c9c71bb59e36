/// A listen address `host:port` (IPv6 as `[::1]:8080`). Port 0 asks the OS for a free port (tests).
public struct HostPort: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `127.0.0.1:8080`, `[::1]:8080`, `localhost:8080`. Port 0...65535.
    public init?(parsing text: String) {
        var host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            portText = rest.dropFirst()
            guard IPAddress(host) != nil, !host.isEmpty else { return nil }
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.isEmpty, !host.contains(":") else { return nil }
        }
        guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }), portText.count <= 5,
              let port = Int(portText), port <= 65535
        else { return nil }
        if host.contains(where: { $0 == " " || $0 == "/" }) { return nil }
        // A host of only digits and dots is meant as IPv4 and must be one: "1.2.3" and "01.2.3.4" are typos.
        if host.allSatisfy({ $0 == "." || ($0.isASCII && $0.isNumber) }), IPAddress(host) == nil { return nil }
        self.host = String(host)
        self.port = port
    }

    /// Whether the host is a loopback address (or `localhost`), for the "loopback unless configured" check.
    public var isLoopback: Bool {
        if host == "localhost" { return true }
        switch IPAddress(host) {
        case .v4(let v)?: return v >> 24 == 127
        case .v6(let high, let low)?: return high == 0 && low == 1
        case nil: return false
        }
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// An upstream server: `http://host:port` for REST, `ws://host:port[/path]` for the gateway.
public struct UpstreamURL: Hashable, Sendable, CustomStringConvertible {
    public enum Scheme: String, Sendable { case http, https, ws, wss }
    public var scheme: Scheme
    public var host: String
    public var port: Int
    /// Path prefix for the gateway upgrade (`/` when none is given).
    public var path: String

    public init(scheme: Scheme, host: String, port: Int, path: String = "/") {
        self.scheme = scheme
        self.host = host
        self.port = port
        self.path = path
    }

    /// Parses `http://127.0.0.1:7070`, `ws://[::1]:7071/`, `http://backend` (default port by scheme).
    /// No user info, query, fragment or whitespace.
    public init?(parsing text: String) {
        guard !text.contains(where: { $0 == "?" || $0 == "#" || $0.isWhitespace }) else { return nil }
        guard let colon = text.firstIndex(of: ":"), text[colon...].hasPrefix("://"),
              let scheme = Scheme(rawValue: String(text[..<colon]))
        else { return nil }
        var rest = text[text.index(colon, offsetBy: 3)...]
        var path = "/"
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[slash...])
            rest = rest[..<slash]
        }
        guard !rest.isEmpty, !rest.contains("@") else { return nil }
        let defaultPort = (scheme == .https || scheme == .wss) ? 443 : 80
        if let hp = HostPort(parsing: String(rest)) {
            self.init(scheme: scheme, host: hp.host, port: hp.port, path: path)
        } else if rest.hasPrefix("["), rest.hasSuffix("]"), IPAddress(rest.dropFirst().dropLast()) != nil {
            self.init(scheme: scheme, host: String(rest.dropFirst().dropLast()), port: defaultPort, path: path)
        } else if !rest.contains(":"), !rest.contains(" "),
                  !rest.allSatisfy({ $0 == "." || ($0.isASCII && $0.isNumber) }) || IPAddress(rest) != nil {
            self.init(scheme: scheme, host: String(rest), port: defaultPort, path: path)
        } else {
            return nil
        }
        if port == 0 { return nil }
    }

    public var hostPort: HostPort { HostPort(host: host, port: port) }
    public var description: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return "\(scheme.rawValue)://\(h):\(port)\(path == "/" ? "" : path)"
    }
}
