/// Reads a listener's TLS certificate and key and says what is wrong with them (nothing: an empty list).
///
/// EdgeCore does no I/O, so the loader's caller supplies it (`TLSContextProvider.check` in EdgeProxy); each
/// fault is reported as a config problem at `listen.tls.<listener>.certificate` or `.key`.
public typealias TLSFilesCheck = @Sendable (EdgeConfig.TLSFiles) -> [TLSFileFault]

/// One thing wrong with a listener's TLS files.
public struct TLSFileFault: Sendable, Equatable {
    /// Which of the two keys names the file at fault.
    public enum File: String, Sendable {
        case certificate
        case key
    }

    public var file: File
    /// What is wrong and what to do, naming the file.
    public var message: String

    public init(file: File, message: String) {
        self.file = file
        self.message = message
    }
}
