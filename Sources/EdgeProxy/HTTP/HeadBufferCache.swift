import NIOCore

/// Buffers for the heads the proxy writes on one event loop (requests to the upstream, responses to the client),
/// used again once written: two allocations fewer per head (the storage object and its memory).
///
/// A head's buffer comes back here as soon as it is handed to NIO, and NIO lets go of it when the write completes,
/// at the flush that follows in most exchanges; the next head on the loop then writes into the same memory. A
/// buffer NIO still holds is never written into: `ByteBuffer` is copy-on-write, so taking it allocates a fresh
/// storage, as every head did before. At most `kept` buffers of each kind wait here. On its loop only.
final class HeadBufferCache {
    enum Kind {
        case request, response
    }

    static let kept = 32
    private var requests: [ByteBuffer] = []
    private var responses: [ByteBuffer] = []

    init() {
        requests.reserveCapacity(Self.kept)
        responses.reserveCapacity(Self.kept)
    }

    /// An empty buffer with room for `capacity` bytes: from `cache` when given (a cached one when it holds one),
    /// else a fresh one.
    static func take(_ kind: Kind, capacity: Int, from cache: HeadBufferCache?, allocator: ByteBufferAllocator) -> ByteBuffer {
        cache?.take(kind, capacity: capacity, allocator: allocator) ?? allocator.buffer(capacity: capacity)
    }

    /// An empty buffer with room for `capacity` bytes: a cached one when there is one.
    func take(_ kind: Kind, capacity: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        switch kind {
        case .request: Self.take(from: &requests, capacity: capacity, allocator: allocator)
        case .response: Self.take(from: &responses, capacity: capacity, allocator: allocator)
        }
    }

    /// Cleared in its slot, where the list's is the only reference once NIO let go of it (a copy taken first
    /// would be a second one, and the clear would allocate), then moved out.
    private static func take(from list: inout [ByteBuffer], capacity: Int, allocator: ByteBufferAllocator) -> ByteBuffer {
        guard !list.isEmpty else { return allocator.buffer(capacity: capacity) }
        list[list.count - 1].clear(minimumCapacity: capacity)
        return list.removeLast()
    }

    /// A head's buffer, just handed to NIO for writing.
    func giveBack(_ buffer: ByteBuffer, _ kind: Kind) {
        switch kind {
        case .request: if requests.count < Self.kept { requests.append(buffer) }
        case .response: if responses.count < Self.kept { responses.append(buffer) }
        }
    }

    /// Buffers waiting (for tests).
    func count(_ kind: Kind) -> Int { kind == .request ? requests.count : responses.count }
}
