import EdgeCore

/// Why a listener's certificate and key could not be turned into a TLS context; each names the file and
/// what to do, for the start-up error, `check-config`-style logs and the reload result.
public enum TLSConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The file does not exist (or a directory on the way is not searchable).
    case missingFile(path: String, role: Role)
    /// The file exists but cannot be read (permissions).
    case unreadableFile(path: String, role: Role)
    /// The file holds no PEM block of the expected kind, or one that does not decode.
    case invalidPEM(path: String, role: Role, detail: String)
    /// Both files are valid alone, but the private key is not the certificate's.
    case keyDoesNotMatchCertificate(certificate: String, key: String)

    public enum Role: String, Sendable {
        case certificate
        case key = "private key"
    }

    public var description: String {
        switch self {
        case .missingFile(let path, let role):
            "TLS \(role.rawValue) file '\(path)' does not exist"
        case .unreadableFile(let path, let role):
            "TLS \(role.rawValue) file '\(path)' cannot be read (check its permissions and the service user)"
        case .invalidPEM(let path, let role, let detail):
            "TLS \(role.rawValue) file '\(path)' is not a valid PEM \(role.rawValue): \(detail)"
        case .keyDoesNotMatchCertificate(let certificate, let key):
            "TLS private key '\(key)' does not belong to the certificate '\(certificate)'"
        }
    }
}

extension TLSConfigurationError {
    /// The error as a config problem at `listen.tls.<listener>.certificate` or `.key`.
    public var fault: TLSFileFault {
        switch self {
        case .missingFile(_, let role), .unreadableFile(_, let role), .invalidPEM(_, let role, _):
            TLSFileFault(file: role == .certificate ? .certificate : .key, message: description)
        case .keyDoesNotMatchCertificate:
            TLSFileFault(file: .key, message: description)
        }
    }
}
