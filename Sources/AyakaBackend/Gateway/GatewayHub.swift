/// Fans gateway events out to the open connections of the users they concern.
///
/// Each connection subscribes under its user id and receives an `AsyncStream` of events. A connection that
/// falls ``bufferLimit`` events behind is dropped from the hub (its stream finishes) rather than buffering
/// without bound; the connection then closes with 1008 `Too slow`.
actor GatewayHub {
    /// A connection's registration; pass it back to ``unsubscribe(_:)``.
    struct Subscription: Sendable {
        let userID: Int64
        let id: UInt64
        let events: AsyncStream<GatewayEvent>
    }

    static let bufferLimit = 1024

    private var connections: [Int64: [UInt64: AsyncStream<GatewayEvent>.Continuation]] = [:]
    private var nextID: UInt64 = 0

    func subscribe(userID: Int64) -> Subscription {
        nextID += 1
        let (stream, continuation) = AsyncStream.makeStream(
            of: GatewayEvent.self,
            bufferingPolicy: .bufferingOldest(Self.bufferLimit)
        )
        connections[userID, default: [:]][nextID] = continuation
        return Subscription(userID: userID, id: nextID, events: stream)
    }

    func unsubscribe(_ subscription: Subscription) {
        remove(userID: subscription.userID, id: subscription.id)
    }

    /// Delivers to every open connection of each user (each user once, however often listed).
    func publish(_ event: GatewayEvent, to userIDs: [Int64]) {
        for userID in Set(userIDs) {
            guard let userConnections = connections[userID] else { continue }
            for (id, continuation) in userConnections {
                if case .dropped = continuation.yield(event) {
                    remove(userID: userID, id: id)
                }
            }
        }
    }

    /// Open connections per user (for tests and status).
    func connectionCount(userID: Int64) -> Int {
        connections[userID]?.count ?? 0
    }

    private func remove(userID: Int64, id: UInt64) {
        guard let continuation = connections[userID]?.removeValue(forKey: id) else { return }
        continuation.finish()
        if connections[userID]?.isEmpty == true {
            connections[userID] = nil
        }
    }
}
