import EdgeCore
import NIOCore

extension SocketAddress {
    /// The address as an `IPAddress`; nil for Unix domain sockets.
    var ipAddress: IPAddress? {
        switch self {
        case .v4(let address):
            let raw = UInt32(bigEndian: address.address.sin_addr.s_addr)
            return .v4(raw)
        case .v6(let address):
            var storage = address.address.sin6_addr
            let bytes = withUnsafeBytes(of: &storage) { Array($0) }
            return IPAddress(bytes: bytes)
        case .unixDomainSocket:
            return nil
        }
    }
}
