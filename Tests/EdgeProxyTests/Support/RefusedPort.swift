import Glibc

/// A loopback TCP port that refuses connections for as long as this value lives: bound, never listening.
/// Tests need a dead upstream; a stopped server's port can be handed to the next test that binds port 0 while
/// tests run in parallel, so "dead" could answer. A bound socket keeps every other bind off the port.
final class RefusedPort {
    let port: Int
    private let descriptor: Int32

    init() {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        precondition(fd >= 0, "socket() failed: errno \(errno)")
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
                bind(fd, generic, length) == 0 && getsockname(fd, generic, &length) == 0
            }
        }
        precondition(bound, "bind() failed: errno \(errno)")
        descriptor = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
