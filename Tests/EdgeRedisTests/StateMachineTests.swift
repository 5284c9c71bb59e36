import EdgeCore
import NIOCore
import Testing

@testable import EdgeRedis

@Suite("Connection slot and circuit breaker state machines")
struct StateMachineTests {
    final class Connection {}

    @Test("a slot connects lazily, queues while connecting, and fails fast during its backoff")
    func slot() {
        var slot = ConnectionSlotStateMachine<Connection>(
            initialBackoff: .milliseconds(100), maximumBackoff: .seconds(1))
        let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000)
        guard case .connect = slot.commandRequested(now: t0) else {
            Issue.record("expected connect")
            return
        }
        guard case .wait = slot.commandRequested(now: t0) else {
            Issue.record("expected wait")
            return
        }
        let delay = slot.connectFailed(.connectionClosed, now: t0, jitter: 1)
        #expect(delay == .milliseconds(100))
        guard case .fail(.unavailable) = slot.commandRequested(now: t0 + .milliseconds(99)) else {
            Issue.record("expected a fast failure during backoff")
            return
        }
        guard case .connect = slot.commandRequested(now: t0 + .milliseconds(100)) else {
            Issue.record("expected a new attempt after the backoff")
            return
        }
        #expect(slot.connectFailed(.connectionClosed, now: t0, jitter: 1) == .milliseconds(200))
        _ = slot.commandRequested(now: t0 + .seconds(1))
        let connection = Connection()
        guard case .flushWaiters(let flushed) = slot.connectSucceeded(connection), flushed === connection else {
            Issue.record("expected the waiters to be flushed")
            return
        }
        guard case .send(let sendOn) = slot.commandRequested(now: t0), sendOn === connection else {
            Issue.record("expected send")
            return
        }
        slot.connectionClosed(Connection())  // another connection: ignored
        #expect(slot.connection === connection)
        slot.connectionClosed(connection)
        guard case .connect = slot.commandRequested(now: t0) else {
            Issue.record("expected a reconnect")
            return
        }
        #expect(slot.shutdown() == nil)
        guard case .closeAndFailWaiters = slot.connectSucceeded(connection) else {
            Issue.record("a connection finished after shutdown must be closed")
            return
        }
        guard case .fail(.shutdown) = slot.commandRequested(now: t0) else {
            Issue.record("expected shutdown")
            return
        }
    }

    @Test("backoff doubles up to the cap, with jitter in [1/2, 1]")
    func backoff() {
        let slot = ConnectionSlotStateMachine<Connection>(
            initialBackoff: .milliseconds(50), maximumBackoff: .seconds(5))
        #expect(slot.backoff(attempt: 0, jitter: 1) == .milliseconds(50))
        #expect(slot.backoff(attempt: 0, jitter: 0) == .milliseconds(25))
        #expect(slot.backoff(attempt: 3, jitter: 1) == .milliseconds(400))
        #expect(slot.backoff(attempt: 20, jitter: 1) == .seconds(5))
        #expect(slot.backoff(attempt: 1_000, jitter: 0.5) == .milliseconds(3_750))
    }

    @Test("the breaker opens on a timeout or N failures, falls back while open, and probes once per period")
    func breaker() {
        var breaker = CircuitBreaker(failureThreshold: 3, openDuration: 1_000)
        #expect(breaker.admit(now: 0) == .call)
        breaker.failed(now: 0, timeout: false, probe: false)
        breaker.failed(now: 0, timeout: false, probe: false)
        breaker.succeeded(probe: false)
        breaker.failed(now: 0, timeout: false, probe: false)
        breaker.failed(now: 0, timeout: false, probe: false)
        #expect(breaker.isClosed)
        breaker.failed(now: 10, timeout: false, probe: false)
        #expect(breaker.state == .open(until: 1_010))
        #expect(breaker.admit(now: 1_009) == .fallback)
        #expect(breaker.admit(now: 1_010) == .probe)
        #expect(breaker.admit(now: 1_011) == .fallback)
        breaker.failed(now: 1_100, timeout: true, probe: true)
        #expect(breaker.state == .open(until: 2_100))
        #expect(breaker.admit(now: 2_100) == .probe)
        breaker.succeeded(probe: false)  // a late answer to an older call does not close it
        #expect(!breaker.isClosed)
        breaker.succeeded(probe: true)
        #expect(breaker.isClosed)
        breaker.failed(now: 3_000, timeout: true, probe: false)
        #expect(breaker.state == .open(until: 4_000))
        #expect(breaker.openings == 3)
        // A probe that never reports back is replaced after another period.
        #expect(breaker.admit(now: 4_000) == .probe)
        #expect(breaker.admit(now: 4_999) == .fallback)
        #expect(breaker.admit(now: 5_000) == .probe)
    }

    @Test("SHA-1 of known vectors")
    func sha1() {
        #expect(SHA1.hexDigest("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d")
        #expect(SHA1.hexDigest("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(
            SHA1.hexDigest(String(repeating: "a", count: 1_000))
                == "291e9a6c66994949b57ba5e650361e98fc36b1ba")
    }

    @Test("key layout: hash tag on the client, rule numbers in the name")
    func keys() throws {
        let layout = RedisKeyLayout()
        let rule = LimitParameters(limit: 5, period: 60_000_000_000, algorithm: .fixedWindow)
        let v4 = BucketRequest(
            key: BucketKey(client: try #require(IPAddress("203.0.113.7")), rule: 3), parameters: rule, dryRun: false)
        #expect(layout.key(for: v4) == "ayaka-edge:{203.0.113.7}:3:fw5/60000000000")
        var v6 = v4
        v6.key = BucketKey(client: try #require(IPAddress("2001:db8::1")), rule: 0)
        v6.parameters.algorithm = .tokenBucket
        #expect(layout.key(for: v6) == "ayaka-edge:{2001:db8::1}:0:tb5/60000000000")
    }
}
