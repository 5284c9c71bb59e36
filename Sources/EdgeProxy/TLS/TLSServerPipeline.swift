import NIOCore
import NIOSSL

extension ChannelPipeline.SynchronousOperations {
    /// Adds a TLS server handler with `context` at `position`: `.first` on a listener without PROXY protocol,
    /// right after the PROXY decoder otherwise (the PROXY header is sent in clear before the TLS handshake).
    /// `ConnectionPreamble.configure` does this in the right place.
    func addTLSServerHandler(_ context: NIOSSLContext, position: ChannelPipeline.SynchronousOperations.Position = .first)
        throws
    {
        try addHandler(NIOSSLServerHandler(context: context), position: position)
    }
}
