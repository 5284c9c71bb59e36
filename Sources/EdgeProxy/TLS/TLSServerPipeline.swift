import NIOCore
import NIOSSL

extension ChannelPipeline.SynchronousOperations {
    /// Adds a TLS server handler with `context` at `position` (`.first` on a listener without PROXY protocol,
    /// right after the PROXY decoder otherwise: the PROXY header is sent in clear before the TLS handshake),
    /// followed by a `TLSHandshakeWatch`. `ConnectionPreamble.configure` does this in the right place.
    func addTLSServerHandler(
        _ context: NIOSSLContext, handshakeTimeout: TimeAmount, counters: TLSHandshakeCounters?,
        position: ChannelPipeline.SynchronousOperations.Position = .first
    ) throws {
        try addHandlers(
            [NIOSSLServerHandler(context: context), TLSHandshakeWatch(timeout: handshakeTimeout, counters: counters)],
            position: position
        )
    }
}
