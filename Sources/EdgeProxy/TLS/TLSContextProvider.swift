import EdgeCore
import Foundation
import NIOSSL
import Synchronization

/// A listener's TLS server context, built from its PEM certificate chain and private key, and rebuilt on
/// reload.
///
/// New connections take `context` when they are accepted; connections already open keep the context they
/// started with, so a reload never disturbs a handshake or a session. A failed reload keeps the old context
/// in force and returns the reason.
public final class TLSContextProvider: Sendable {
    private let state: Mutex<(files: EdgeConfig.TLSFiles, context: NIOSSLContext)>

    /// Reads and checks both files; throws a `TLSConfigurationError` naming the file at fault.
    public init(files: EdgeConfig.TLSFiles) throws(TLSConfigurationError) {
        state = Mutex((files, try Self.makeContext(files: files)))
    }

    /// The context for a connection accepted now.
    public var context: NIOSSLContext { state.withLock { $0.context } }

    /// The files the current context was built from.
    public var files: EdgeConfig.TLSFiles { state.withLock { $0.files } }

    /// Builds a context from `files` (default: the current paths, re-read: a renewed certificate) and, when
    /// that succeeds, makes it the one new connections get. On failure the old context stays.
    @discardableResult
    public func reload(files newFiles: EdgeConfig.TLSFiles? = nil) -> Result<NIOSSLContext, TLSConfigurationError> {
        let files = newFiles ?? self.files
        do throws(TLSConfigurationError) {
            let context = try Self.makeContext(files: files)
            state.withLock { $0 = (files, context) }
            return .success(context)
        } catch {
            return .failure(error)
        }
    }

    /// The `TLSFilesCheck` for `ConfigLoader`: builds a context from `files` and reports why it could not.
    public static let check: TLSFilesCheck = { files in
        do throws(TLSConfigurationError) {
            _ = try makeContext(files: files)
            return []
        } catch {
            return [error.fault]
        }
    }

    /// A TLS 1.2+ server context offering HTTP/1.1 by ALPN (the proxy speaks nothing else).
    public static func makeContext(files: EdgeConfig.TLSFiles) throws(TLSConfigurationError) -> NIOSSLContext {
        let chain = try certificates(at: files.certificate)
        let key = try privateKey(at: files.key)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            // Both files parsed on their own: BoringSSL refuses the pair when the key is not the leaf's.
            throw .keyDoesNotMatchCertificate(certificate: files.certificate, key: files.key)
        }
    }

    private static func certificates(at path: String) throws(TLSConfigurationError) -> [NIOSSLCertificate] {
        let bytes = try read(path, role: .certificate)
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw .invalidPEM(path: path, role: .certificate, detail: "\(error)")
        }
        guard !chain.isEmpty else {
            throw .invalidPEM(path: path, role: .certificate, detail: "no '-----BEGIN CERTIFICATE-----' block")
        }
        return chain
    }

    private static func privateKey(at path: String) throws(TLSConfigurationError) -> NIOSSLPrivateKey {
        let bytes = try read(path, role: .key)
        do {
            return try NIOSSLPrivateKey(bytes: bytes, format: .pem)
        } catch {
            throw .invalidPEM(path: path, role: .key, detail: "\(error) (an unencrypted PEM private key is needed)")
        }
    }

    private static func read(_ path: String, role: TLSConfigurationError.Role) throws(TLSConfigurationError)
        -> [UInt8]
    {
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path, role: role) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadableFile(path: path, role: role)
        }
        return Array(data)
    }
}
