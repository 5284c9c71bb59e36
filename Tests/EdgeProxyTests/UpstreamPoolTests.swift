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

    /// A pool on one of the group's loops, in front of `upstream`.
    private static func pool(_ upstream: TestUpstream, idleTimeout: TimeAmount, maxIdle: Int,
                             linger: TimeAmount = .seconds(1)) -> UpstreamPool {
        UpstreamPool(
            eventLoop: MultiThreadedEventLoopGroup.singleton.next(),
            servers: [UpstreamURL(scheme: .http, host: "127.0.0.1", port: upstream.port)],
            connectTimeout: .seconds(2), idleTimeout: idleTimeout, maxIdlePerServer: maxIdle, surplusLinger: linger)
    }

    /// The upstream's accepted-connection count once it has seen at least `expected` (a connect completes on
    /// the client side before the server's accept is counted).
    private static func accepted(_ upstream: TestUpstream, reaching expected: Int) async -> Int {
        for _ in 0..<200 where upstream.connectionCount < expected {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return upstream.connectionCount
    }

    @Test func aReleasedConnectionIsReusedThenClosedAfterTheIdleTimeout() async throws {
        let upstream = try await TestUpstream.start()
        // Long enough that the reuse below comes first on a loaded machine.
        let pool = Self.pool(upstream, idleTimeout: .milliseconds(1500), maxIdle: 4)
        let loop = pool.eventLoop
        let first = try await Self.acquire(pool)
        try await loop.submit { pool.release(first) }.get()
        let again = try await Self.acquire(pool)
        #expect(again === first)
        #expect(await Self.accepted(upstream, reaching: 1) == 1)

        let releasedAt = NIODeadline.now()
        try await loop.submit { pool.release(again) }.get()
        #expect(try await loop.submit { pool.idleCount }.get() == 1)
        var idle = 1
        for _ in 0..<200 where idle > 0 {
            try await Task.sleep(for: .milliseconds(50))
            idle = try await loop.submit { pool.idleCount }.get()
        }
        #expect(idle == 0)
        #expect(NIODeadline.now() - releasedAt >= .milliseconds(1500))
        #expect(try await loop.submit { again.channel.isActive }.get() == false)
        // The next request opens a fresh connection.
        let fresh = try await Self.acquire(pool)
        #expect(fresh !== first)
        #expect(await Self.accepted(upstream, reaching: 2) == 2)
        try await loop.submit { pool.retire() }.get()
        try? await fresh.channel.close()
        await upstream.stop()
    }

    @Test func aBurstsSurplusLingersThenThePoolTrimsToItsIdleCount() async throws {
        let upstream = try await TestUpstream.start()
        // A 1 s linger: the second burst below must come before it on a loaded machine.
        let pool = Self.pool(upstream, idleTimeout: .seconds(30), maxIdle: 2, linger: .seconds(1))
        let loop = pool.eventLoop
        var burst: [UpstreamConnection] = []
        for _ in 0..<6 { burst.append(try await Self.acquire(pool)) }
        let released = burst
        try await loop.submit { for connection in released { pool.release(connection) } }.get()
        // The next burst reuses all six: no connection opened again.
        #expect(try await loop.submit { pool.idleCount }.get() == 6)
        var again: [UpstreamConnection] = []
        for _ in 0..<6 { again.append(try await Self.acquire(pool)) }
        #expect(await Self.accepted(upstream, reaching: 6) == 6)
        #expect(Set(again.map(ObjectIdentifier.init)) == Set(burst.map(ObjectIdentifier.init)))

        // Left unused, the four beyond `maxIdlePerServer` close after the linger; the two kept are the most
        // recently released.
        let reused = again
        try await loop.submit { for connection in reused { pool.release(connection) } }.get()
        var idle = 6
        for _ in 0..<200 where idle > 2 {
            try await Task.sleep(for: .milliseconds(50))
            idle = try await loop.submit { pool.idleCount }.get()
        }
        #expect(idle == 2)
        let open = try await loop.submit { reused.map { $0.channel.isActive } }.get()
        #expect(open == [false, false, false, false, true, true])
        try await loop.submit { pool.retire() }.get()
        await upstream.stop()
    }

    @Test func withNoIdleCountNothingIsPooled() async throws {
        let upstream = try await TestUpstream.start()
        let pool = Self.pool(upstream, idleTimeout: .seconds(30), maxIdle: 0)
        let loop = pool.eventLoop
        let first = try await Self.acquire(pool)
        try await loop.submit { pool.release(first) }.get()
        #expect(try await loop.submit { pool.idleCount }.get() == 0)
        let second = try await Self.acquire(pool)
        #expect(second !== first)
        #expect(try await loop.submit { first.channel.isActive }.get() == false)  // closed when given back
        try await loop.submit { pool.release(second) }.get()
        await upstream.stop()
    }
}
