import EdgeCore
import EdgeMetrics
import NIOCore
import NIOHTTP1
import NIOPosix

/// Why no upstream connection could be had.
enum UpstreamConnectError: Error {
    case noServers
    /// Every server is ejected (passive failures or failed active checks).
    case noHealthyServers
    /// Every server was tried; `timedOut` when at least one of them timed out rather than refused.
    case allServersFailed(timedOut: Bool)
}

/// The upstream connections of one event loop: round robin over the servers, idle keep-alive
/// connections reused most-recently-used first.
///
/// `maxIdlePerServer` is the idle count kept for good; a burst's connections beyond it stay pooled for
/// `surplusLinger` before they are closed (like HAProxy's `pool-purge-delay`). Closing them the moment they
/// were given back made 1,000 concurrent clients churn: a burst of responses closed hundreds of connections
/// that the next burst of requests opened again (0.68 connects per request, SYNs dropped at the upstream's
/// listen backlog, seconds at p99). The surplus is bounded by the loop's concurrent exchanges, hence by
/// the client connection caps. With `maxIdlePerServer` 0 nothing is pooled.
///
/// A pool belongs to one event loop and is only touched there (upstream channels are opened on the
/// client's own loop, as in swift-nio-examples' connect-proxy), so it needs no lock.
final class UpstreamPool: @unchecked Sendable {
    // @unchecked: every method runs on `eventLoop` (checked with `preconditionInEventLoop`); the pool
    // crosses threads only as a reference handed to code that hops to that loop.
    let eventLoop: any EventLoop
    let servers: [UpstreamURL]
    private let connectTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private let maxIdlePerServer: Int
    private let surplusLinger: TimeAmount
    /// Per server, least recently released first.
    private var idle: [[UpstreamConnection]]
    private var nextServer = 0
    /// This loop's metrics shard: connect failures are recorded here, per server.
    let metrics: MetricsShard?
    /// Which servers are in rotation; shared by all loops' pools.
    let health: UpstreamHealth?
    /// The loop's buffers for the heads its exchanges write (kept here: the pool is the per-loop object every
    /// client handler holds).
    let headBuffers = HeadBufferCache()

    init(eventLoop: any EventLoop, servers: [UpstreamURL], connectTimeout: TimeAmount, idleTimeout: TimeAmount,
         maxIdlePerServer: Int, surplusLinger: TimeAmount = .seconds(1), metrics: MetricsShard? = nil,
         health: UpstreamHealth? = nil) {
        self.metrics = metrics
        self.health = health
        self.eventLoop = eventLoop
        self.servers = servers
        self.connectTimeout = connectTimeout
        self.idleTimeout = idleTimeout
        self.maxIdlePerServer = maxIdlePerServer
        self.surplusLinger = surplusLinger
        self.idle = Array(repeating: [], count: servers.count)
    }

    /// Idle connections held, all servers together.
    var idleCount: Int { idle.reduce(0) { $0 + $1.count } }

    /// A connection to the next server in turn: a pooled one when there is one, else a new one. A server
    /// that refuses or times out is skipped for the next one, each tried once.
    /// `completion` runs on the pool's event loop, at once when a pooled connection is at hand.
    func acquire(_ completion: @escaping (Result<UpstreamConnection, any Error>) -> Void) {
        eventLoop.preconditionInEventLoop()
        guard !servers.isEmpty else { return completion(.failure(UpstreamConnectError.noServers)) }
        // The next server in turn that is in rotation.
        var first: Int? = nil
        for offset in 0..<servers.count {
            let candidate = (nextServer + offset) % servers.count
            if health?.isUsable(candidate) ?? true {
                first = candidate
                break
            }
        }
        guard let first else { return completion(.failure(UpstreamConnectError.noHealthyServers)) }
        nextServer = (first + 1) % servers.count
        if let pooled = takeIdle(server: first) { return completion(.success(pooled)) }
        connect(startingAt: first, attempt: 0, timedOut: false, completion)
    }

    /// A fresh connection to one server, no fallback (a retry after a reused connection broke).
    func connectFresh(server: Int, _ completion: @escaping (Result<UpstreamConnection, any Error>) -> Void) {
        connect(startingAt: server, attempt: servers.count - 1, timedOut: false, completion)
    }

    /// A reload replaced this pool: connections still in use are closed when given back.
    private var retired = false

    /// Gives a connection back after a complete exchange; it is kept for reuse or closed. `now`: the clock as the
    /// caller just read it (nil: read it here).
    func release(_ connection: UpstreamConnection, now: NIODeadline? = nil) {
        eventLoop.preconditionInEventLoop()
        connection.handler.delegate = nil
        connection.handler.holdReads(false)
        guard !retired, connection.isActive, maxIdlePerServer > 0 else {
            connection.channel.close(promise: nil)
            return
        }
        connection.idleSince = now ?? eventLoop.now
        idle[connection.serverIndex].append(connection)
        startSweeping()
    }

    /// Closes idle connections older than `idleTimeout`, and the surplus over `maxIdlePerServer` unused for
    /// `surplusLinger`, every quarter of the shorter: one timer per pool rather than one per exchange.
    private var sweeper: RepeatedTask?

    private func startSweeping() {
        guard sweeper == nil else { return }
        let shorter = min(idleTimeout.nanoseconds, surplusLinger.nanoseconds)
        let period = TimeAmount.nanoseconds(max(shorter / 4, 1_000_000))
        // A strong capture (a weak one would give the pool a side table, and its retains the slow path): the
        // timer runs only while connections are idle, and stops when none are left or the pool retires.
        sweeper = eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
            self.closeExpired(now: self.eventLoop.now)
        }
    }

    private func closeExpired(now: NIODeadline) {
        var expired: [UpstreamConnection] = []
        for server in idle.indices {
            // Oldest first: the surplus over the kept count goes once it has lingered, then the timed-out.
            var surplus = idle[server].count - maxIdlePerServer
            idle[server].removeAll { connection in
                let unused = now - connection.idleSince
                guard unused >= idleTimeout || (surplus > 0 && unused >= surplusLinger) else { return false }
                surplus -= 1
                expired.append(connection)
                return true
            }
        }
        // Closed after the lists are settled: a close reports back through `remove` at once.
        for connection in expired { connection.channel.close(promise: nil) }
        // Nothing left to watch: no timer until the next release.
        if idle.allSatisfy(\.isEmpty) {
            sweeper?.cancel()
            sweeper = nil
        }
    }

    /// Closes idle connections now and the busy ones as they come back (a reload replaced the pool).
    func retire() {
        retired = true
        closeIdle()
        sweeper?.cancel()
        sweeper = nil
    }

    /// Closes every idle connection (shutdown, or the server list changed).
    func closeIdle() {
        for list in idle {
            for connection in list { connection.channel.close(promise: nil) }
        }
        idle = Array(repeating: [], count: servers.count)
    }

    private func takeIdle(server: Int) -> UpstreamConnection? {
        while let connection = idle[server].popLast() {
            if connection.isActive { return connection }
        }
        return nil
    }

    /// A pooled connection closed while idle.
    private func remove(_ connection: UpstreamConnection) {
        idle[connection.serverIndex].removeAll { $0 === connection }
    }

    private func connect(
        startingAt first: Int, attempt: Int, timedOut: Bool,
        _ completion: @escaping (Result<UpstreamConnection, any Error>) -> Void
    ) {
        let index = (first + attempt) % servers.count
        let server = servers[index]
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(connectTimeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Requests are written and responses read as bytes by the handler itself.
                    try channel.pipeline.syncOperations.addHandler(UpstreamConnectionHandler())
                }
            }
        bootstrap.connect(host: server.host, port: server.port).assumeIsolated().whenComplete { result in
            switch result {
            case .success(let channel):
                do {
                    let handler = try channel.pipeline.syncOperations.handler(type: UpstreamConnectionHandler.self)
                    let connection = UpstreamConnection(channel: channel, serverIndex: index, handler: handler)
                    // Strong captures (no side tables on the pool and the connection): the handler drops the
                    // closure when the channel closes.
                    handler.onIdleClose = { self.remove(connection) }
                    completion(.success(connection))
                } catch {
                    channel.close(promise: nil)
                    completion(.failure(error))
                }
            case .failure(let error):
                var didTimeOut = timedOut
                var thisTimedOut = false
                if case ChannelError.connectTimeout = error { thisTimedOut = true }
                didTimeOut = didTimeOut || thisTimedOut
                self.metrics?.recordUpstream(server: index, latencyNanos: 0,
                                             failure: thisTimedOut ? .timeout : .connectFailed)
                self.health?.recordFailure(index)
                // The next server in rotation, each tried once (nothing was sent: safe for any method).
                var next = attempt + 1
                while next < self.servers.count, !(self.health?.isUsable((first + next) % self.servers.count) ?? true) {
                    next += 1
                }
                if next < self.servers.count {
                    self.connect(startingAt: first, attempt: next, timedOut: didTimeOut, completion)
                } else {
                    completion(.failure(UpstreamConnectError.allServersFailed(timedOut: didTimeOut)))
                }
            }
        }
    }
}

/// One `UpstreamPool` per event loop of the group; looked up by the client channel's loop.
final class UpstreamPoolGroup: Sendable {
    private let pools: EventLoopLocal<UpstreamPool>

    /// Shared by every loop's pool.
    let health: UpstreamHealth

    init(group: any EventLoopGroup, servers: [UpstreamURL], proxy: EdgeConfig.Proxy,
         health settings: EdgeConfig.Upstreams.Health = .init(), shards: EventLoopLocal<MetricsShard>? = nil) {
        let health = UpstreamHealth(servers: servers, settings: settings)
        self.health = health
        pools = EventLoopLocal(group: group) { loop in
            UpstreamPool(
                eventLoop: loop, servers: servers,
                connectTimeout: .nanoseconds(proxy.connectTimeout.nanoseconds),
                idleTimeout: .seconds(30),
                maxIdlePerServer: proxy.maxIdleUpstreamConnections,
                metrics: shards?.value(for: loop), health: health
            )
        }
    }

    func pool(for loop: any EventLoop) -> UpstreamPool {
        pools.value(for: loop)
    }

    /// Closes idle upstream connections on every loop.
    func closeIdle() async {
        _ = await pools.collect { $0.closeIdle() }
    }

    /// Replaced by a reload: idle connections close now, busy ones when their exchange ends.
    func retire() async {
        _ = await pools.collect { $0.retire() }
    }
}
