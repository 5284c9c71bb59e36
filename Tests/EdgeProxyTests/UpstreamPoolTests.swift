import EdgeCore
import NIOCore
import NIOPosix
import Testing

@testable import EdgeProxy

/// The pool's keep-alive connections: reused while fresh, closed by the loop's sweep once idle too long.
@Suite struct UpstreamPoolTests {
    private static func acquire(_ pool: UpstreamPool) async throws -> UpstreamConnection {
        let promise = pool.eventLoop.makePromise(of: UpstreamConnection.self)
        pool.eventLoop.execute {
            pool.acquire { result in promise.completeWith(result) }
        }
        return try await promise.futureResult.get()
    }

    @Test func aReleasedConnectionIsReusedThenClosedAfterTheIdleTimeout() async throws {
        let upstream = try await TestUpstream.start()
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        let pool = UpstreamPool(
            eventLoop: loop, servers: [UpstreamURL(scheme: .http, host: "127.0.0.1", port: upstream.port)],
            connectTimeout: .seconds(2), idleTimeout: .milliseconds(400), maxIdlePerServer: 4)
        let first = try await Self.acquire(pool)
        try await loop.submit { pool.release(first) }.get()
        let again = try await Self.acquire(pool)
        #expect(again === first)
        #expect(upstream.connectionCount == 1)

        let releasedAt = NIODeadline.now()
        try await loop.submit { pool.release(again) }.get()
        #expect(try await loop.submit { pool.idleCount }.get() == 1)
        var idle = 1
        for _ in 0..<100 where idle > 0 {
            try await Task.sleep(for: .milliseconds(50))
            idle = try await loop.submit { pool.idleCount }.get()
        }
        #expect(idle == 0)
        #expect(NIODeadline.now() - releasedAt >= .milliseconds(400))
        #expect(try await loop.submit { again.channel.isActive }.get() == false)
        // The next request opens a fresh connection.
        let fresh = try await Self.acquire(pool)
        #expect(fresh !== first)
        #expect(upstream.connectionCount == 2)
        try await loop.submit { pool.retire() }.get()
        try? await fresh.channel.close()
        await upstream.stop()
    }
}
