import NIOCore
import Testing

@testable import EdgeProxy

/// `HeadBufferCache`: a head's buffer is written into again once NIO let go of it, and never while a copy of it
/// is still held (a write in flight).
@Suite struct HeadBufferCacheTests {
    private let allocator = ByteBufferAllocator()

    private func address(_ buffer: ByteBuffer) -> UnsafeRawPointer? {
        buffer.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress) }
    }

    @Test func aBufferNobodyHoldsIsWrittenIntoAgain() {
        let cache = HeadBufferCache()
        var first = cache.take(.request, capacity: 64, allocator: allocator)
        first.writeString("GET / HTTP/1.1\r\n\r\n")
        let memory = address(first)
        cache.giveBack(first, .request)
        first = ByteBuffer()  // the write completed: NIO's copy is gone too
        #expect(cache.count(.request) == 1)

        var second = cache.take(.request, capacity: 64, allocator: allocator)
        #expect(second.readableBytes == 0 && second.capacity >= 64)
        second.writeString("POST /a HTTP/1.1\r\n\r\n")
        #expect(address(second) == memory)
        #expect(cache.count(.request) == 0)
        // Responses have their own list.
        #expect(cache.count(.response) == 0)
    }

    @Test func aBufferStillHeldIsNeverOverwritten() {
        let cache = HeadBufferCache()
        var head = cache.take(.response, capacity: 32, allocator: allocator)
        head.writeString("HTTP/1.1 200 OK\r\n\r\n")
        let inFlight = head  // NIO's copy while the write is pending
        cache.giveBack(head, .response)
        head = ByteBuffer()

        var next = cache.take(.response, capacity: 32, allocator: allocator)
        next.writeString("HTTP/1.1 404 Not Found\r\n\r\n")
        #expect(String(buffer: inFlight) == "HTTP/1.1 200 OK\r\n\r\n")
        #expect(address(next) != address(inFlight))
    }

    @Test func aSmallBufferGrowsToTheCapacityAsked() {
        let cache = HeadBufferCache()
        let small = cache.take(.request, capacity: 16, allocator: allocator)
        cache.giveBack(small, .request)
        let large = cache.take(.request, capacity: 4096, allocator: allocator)
        #expect(large.capacity >= 4096 && large.readableBytes == 0)
    }

    @Test func atMostKeptBuffersWait() {
        let cache = HeadBufferCache()
        for _ in 0..<(HeadBufferCache.kept + 5) { cache.giveBack(allocator.buffer(capacity: 8), .request) }
        #expect(cache.count(.request) == HeadBufferCache.kept)
    }
}
