import Foundation
import Testing
@testable import AyakaBackend

@Suite struct GatewayHubTests {
    @Test func deliversToEveryConnectionOfTheNamedUsersOnly() async throws {
        let hub = GatewayHub()
        let first = await hub.subscribe(userID: 1)
        let second = await hub.subscribe(userID: 1)
        let other = await hub.subscribe(userID: 2)
        await hub.publish(GatewayEvent(json: "a"), to: [1, 1])
        await hub.publish(GatewayEvent(json: "b"), to: [2])
        await hub.unsubscribe(first)
        await hub.unsubscribe(second)
        await hub.unsubscribe(other)
        #expect(await Array(first.events).map(\.json) == ["a"])
        #expect(await Array(second.events).map(\.json) == ["a"])
        #expect(await Array(other.events).map(\.json) == ["b"])
        #expect(await hub.connectionCount(userID: 1) == 0)
    }

    @Test func aConnectionThatFallsTooFarBehindIsDropped() async {
        let hub = GatewayHub()
        let slow = await hub.subscribe(userID: 7)
        for index in 0...GatewayHub.bufferLimit {
            await hub.publish(GatewayEvent(json: "\(index)"), to: [7])
        }
        #expect(await hub.connectionCount(userID: 7) == 0)
        // What was buffered is still readable, then the stream ends.
        #expect(await Array(slow.events).count == GatewayHub.bufferLimit)
    }

    @Test func eventShapesFollowTheSeed() throws {
        let presence = try GatewayEvent.presence(userID: 42, data: .object(["type": .integer(1)]))
        let presenceJSON = try #require(
            try JSONSerialization.jsonObject(with: Data(presence.json.utf8)) as? [String: Any]
        )
        #expect(presenceJSON["t"] as? String == "PRESENCE_UPDATE")
        #expect((presenceJSON["id"] as? NSNumber)?.int64Value == 42)
        #expect((presenceJSON["d"] as? [String: Any])?["type"] as? NSNumber == 1)

        let notification = try GatewayEvent.notification(type: "GUILD", excerpt: ["guild_id": 5])
        let notificationJSON = try #require(
            try JSONSerialization.jsonObject(with: Data(notification.json.utf8)) as? [String: Any]
        )
        #expect(notificationJSON["t"] as? String == "NOTIFICATION")
        #expect(notificationJSON["type"] as? String == "GUILD")
        #expect(notificationJSON["d"] == nil && notificationJSON["excerpt"] != nil)
    }

    @Test func keepaliveDeadlineMovesWithEachPing() {
        let start = ContinuousClock.now
        let tracker = KeepaliveTracker(allowance: .seconds(40), now: start)
        #expect(tracker.deadline == start + .seconds(40))
        tracker.pingReceived(at: start + .seconds(15))
        #expect(tracker.deadline == start + .seconds(55))
        tracker.pingReceived(at: start + .seconds(5))  // never moves backwards
        #expect(tracker.deadline == start + .seconds(55))
    }
}

extension Array {
    init<S: AsyncSequence>(_ sequence: S) async where S.Element == Element, S.Failure == Never {
        var elements: [Element] = []
        for await element in sequence {
            elements.append(element)
        }
        self = elements
    }
}
