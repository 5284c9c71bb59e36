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
    private let state: Mutex<Credentials>

    /// A context with the certificate chain and key it was built from, and their files.
    public struct Credentials: Sendable {
        public let files: EdgeConfig.TLSFiles
        public let context: NIOSSLContext
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey

        /// Reads and checks both files; throws a `TLSConfigurationError` naming the file at fault.
        public init(files: EdgeConfig.TLSFiles) throws(TLSConfigurationError) {
            self.files = files
            chain = try TLSContextProvider.certificates(at: files.certificate)
            key = try TLSContextProvider.privateKey(at: files.key)
            context = try TLSContextProvider.makeContext(chain: chain, key: key, files: files)
        }
    }

    /// Reads and checks both files; throws a `TLSConfigurationError` naming the file at fault.
    public init(files: EdgeConfig.TLSFiles) throws(TLSConfigurationError) {
        state = Mutex(try Credentials(files: files))
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
            let credentials = try Credentials(files: files)
            install(credentials)
            return .success(credentials.context)
        } catch {
            return .failure(error)
        }
    }

    /// Makes `credentials`, read and checked beforehand, the ones new connections get.
    public func install(_ credentials: Credentials) {
        state.withLock { $0 = credentials }
    }

    /// A server configuration for a listener that builds its TLS context once (the admin listener's
    /// Hummingbird server): every connection's handshake takes the certificate chain and key in force when its
    /// client hello arrives, so `reload` changes what new connections are served without a new listener.
    public var serverConfiguration: TLSConfiguration {
        let current = state.withLock { $0 }
        var configuration = Self.baseConfiguration(chain: current.chain, key: current.key)
        configuration.sslContextCallback = { [self] _, promise in
            let credentials = state.withLock { $0 }
            var override = NIOSSLContextConfigurationOverride()
            override.certificateChain = credentials.chain.map { .certificate($0) }
            override.privateKey = .privateKey(credentials.key)
            promise.succeed(override)
        }
        return configuration
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
        try Credentials(files: files).context
    }

    private static func baseConfiguration(chain: [NIOSSLCertificate], key: NIOSSLPrivateKey) -> TLSConfiguration {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        configuration.applicationProtocols = ["http/1.1"]
        return configuration
    }

    private static func makeContext(
        chain: [NIOSSLCertificate], key: NIOSSLPrivateKey, files: EdgeConfig.TLSFiles
    ) throws(TLSConfigurationError) -> NIOSSLContext {
        do {
            return try NIOSSLContext(configuration: baseConfiguration(chain: chain, key: key))
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
