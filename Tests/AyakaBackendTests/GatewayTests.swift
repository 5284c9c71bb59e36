import AyakaTestSupport
import AsyncHTTPClient
import Foundation
import HummingbirdWSClient
import NIOWebSocket
import Testing
@testable import AyakaBackend

@Suite struct GatewayTests {
    @Test(.timeLimit(.minutes(1))) func availableNamesTheGateway() async throws {
        try await TestBackend.run { addresses in
            let reply = try await RESTClient(port: addresses.gatewayPort).send(.GET, "/available")
            #expect(reply.status == 200)
            #expect(reply.string("name") == "production-1")
            #expect(reply.string("url") == "ws://127.0.0.1:\(addresses.gatewayPort)")
            #expect(reply.int("port") == Int64(addresses.gatewayPort))
        }
        var configuration = TestBackend.configuration()
        configuration.publicGatewayURL = "wss://gateway.example.net"
        try await TestBackend.run(configuration) { addresses in
            let reply = try await RESTClient(port: addresses.gatewayPort).send(.GET, "/available")
            #expect(reply.string("url") == "wss://gateway.example.net" && reply.int("port") == 443)
        }
        #expect(GatewayServer.port(of: "ws://127.0.0.1:8081") == 8081)
        #expect(GatewayServer.port(of: "ws://[::1]:9000/x") == 9000)
        #expect(GatewayServer.port(of: "ws://host") == 80)
    }

    @Test(.timeLimit(.minutes(1))) func identifyGivesReadyThenOneGuildInitPerGuild() async throws {
        try await TestBackend.run { addresses in
            let api = RESTClient(port: addresses.restPort)
            let user = try await api.signUp("raiden")
            let first = try await api.createGuild("One", session: user.session)
            let second = try await api.createGuild("Two", session: user.session)

            let probe = GatewayProbe(port: addresses.gatewayPort)
            probe.identify(user.session)
            let ready = try await probe.expect("READY")
            #expect(!ready.binary)
            #expect(ready.data["session_id"] as? String == user.session)
            #expect((ready.data["guilds"] as? [NSNumber])?.map(\.int64Value) == [first, second])
            let readyUser = try #require(ready.data["user"] as? [String: Any])
            #expect((readyUser["id"] as? NSNumber)?.int64Value == user.id)
            #expect((readyUser["session_ids"] as? [String])?.contains(user.session) == true)
            #expect(readyUser["password"] == nil && readyUser["email"] as? String == "raiden@example.com")

            for expected in [first, second] {
                let initMessage = try await probe.expect("GUILD_INIT")
                #expect((initMessage.data["id"] as? NSNumber)?.int64Value == expected)
                let channels = try #require(initMessage.data["channels"] as? [[String: Any]])
                #expect(channels.map { ($0["type"] as? NSNumber)?.intValue } == [1, 2])
                let category = try #require((channels[0]["id"] as? NSNumber)?.int64Value)
                #expect(channels[1]["name"] as? String == "general")
                #expect((channels[1]["inside_of"] as? NSNumber)?.int64Value == category)
                #expect((channels[0]["inside_of"] as? NSNumber)?.int64Value == 0)
            }
            let frame = try await probe.close()
            #expect(frame?.closeCode == .normalClosure)
        }
    }

    @Test(.timeLimit(.minutes(1))) func eventsReachTheUsersTheyConcernOnly() async throws {
        try await TestBackend.run { addresses in
            let api = RESTClient(port: addresses.restPort)
            let owner = try await api.signUp("owner")
            let member = try await api.signUp("member")
            let stranger = try await api.signUp("stranger")
            let guild = try await api.createGuild("Watatsumi", session: owner.session)

            let ownerProbe = GatewayProbe(port: addresses.gatewayPort)
            ownerProbe.identify(owner.session)
            _ = try await ownerProbe.expect("READY")
            _ = try await ownerProbe.expect("GUILD_INIT")
            let memberProbe = GatewayProbe(port: addresses.gatewayPort)
            memberProbe.identify(member.session)
            _ = try await memberProbe.expect("READY")
            let strangerProbe = GatewayProbe(port: addresses.gatewayPort)
            strangerProbe.identify(stranger.session)
            _ = try await strangerProbe.expect("READY")

            // Invite: INVITE_CREATE to members (only the owner so far).
            let invite = try await api.send(.POST, "/guilds/\(guild)/invites", session: owner.session)
            let code = try #require(invite.string("code"))
            #expect(try await ownerProbe.expect("INVITE_CREATE").data["code"] as? String == code)

            // Join: GUILD_JOIN to the joiner, NOTIFICATION to the owner.
            #expect(try await api.send(.POST, "/invites/\(code)", session: member.session).status == 200)
            let join = try await memberProbe.expect("GUILD_JOIN")
            #expect((join.data["id"] as? NSNumber)?.int64Value == guild)
            #expect((join.data["channels"] as? [Any])?.count == 2)
            let notification = try await ownerProbe.expect("NOTIFICATION")
            #expect(notification.json["type"] as? String == "GUILD")
            let excerpt = try #require(notification.json["excerpt"] as? [String: Any])
            #expect(excerpt["event"] as? String == "MEMBER_JOIN")
            #expect((excerpt["guild_id"] as? NSNumber)?.int64Value == guild)

            // A REST action by the owner reaches the member (and the owner), not the stranger.
            let edit = try await api.send(
                .PATCH, "/guilds/\(guild)", json: #"{"name": "Sangonomiya"}"#, session: owner.session
            )
            #expect(edit.status == 200)
            #expect(try await memberProbe.expect("GUILD_UPDATE").data["name"] as? String == "Sangonomiya")
            #expect(try await ownerProbe.expect("GUILD_UPDATE").data["name"] as? String == "Sangonomiya")

            let channel = try await api.send(
                .POST, "/guilds/\(guild)/channels", json: #"{"name": "news", "type": 2}"#, session: owner.session
            )
            #expect(channel.status == 201)
            let created = try await memberProbe.expect("CHANNEL_CREATE")
            #expect(created.data["name"] as? String == "news")
            #expect((created.data["guild_id"] as? NSNumber)?.int64Value == guild)
            _ = try await ownerProbe.expect("CHANNEL_CREATE")

            // Presence: to everyone sharing a guild with the sender, with the sender's id; not to the sender.
            memberProbe.send(#"{"t": "PRESENCE_UPDATE", "d": {"type": 1, "description": "fishing"}}"#)
            let presence = try await ownerProbe.expect("PRESENCE_UPDATE")
            #expect((presence.json["id"] as? NSNumber)?.int64Value == member.id)
            #expect(presence.data["description"] as? String == "fishing")

            // GUILD_DELETE to both members.
            #expect(try await api.send(.DELETE, "/guilds/\(guild)", session: owner.session).status == 204)
            #expect((try await memberProbe.expect("GUILD_DELETE").data["id"] as? NSNumber)?.int64Value == guild)
            #expect((try await ownerProbe.expect("GUILD_DELETE").data["id"] as? NSNumber)?.int64Value == guild)

            // The stranger's first event is its own GUILD_CREATE: nothing above leaked to it.
            let own = try await api.createGuild("Mine", session: stranger.session)
            let first = try await strangerProbe.expect("GUILD_CREATE")
            #expect((first.data["id"] as? NSNumber)?.int64Value == own)
            // And the member did not get its own presence back: its next event is the next one we cause.
            _ = try await api.send(.POST, "/guilds/\(own)/invites", session: stranger.session)
            #expect(try await strangerProbe.expect("INVITE_CREATE").data["code"] != nil)
            let memberGuild = try await api.createGuild("Member's", session: member.session)
            #expect((try await memberProbe.expect("GUILD_CREATE").data["id"] as? NSNumber)?.int64Value == memberGuild)

            for probe in [ownerProbe, memberProbe, strangerProbe] {
                try await probe.close()
            }
        }
    }

    @Test(.timeLimit(.minutes(1))) func zlibEncodingCarriesTheSameJSON() async throws {
        try await TestBackend.run { addresses in
            let api = RESTClient(port: addresses.restPort)
            let user = try await api.signUp("kokomi")
            _ = try await api.createGuild("Compressed", session: user.session)

            let plain = GatewayProbe(port: addresses.gatewayPort)
            plain.identify(user.session, encoding: "json")
            let compressed = GatewayProbe(port: addresses.gatewayPort)
            compressed.identify(user.session, encoding: "zlib")
            for t in ["READY", "GUILD_INIT"] {
                let text = try await plain.expect(t)
                let binary = try await compressed.expect(t)
                #expect(!text.binary && binary.binary)
                #expect(NSDictionary(dictionary: text.json).isEqual(to: binary.json))
            }
            // Live events are compressed too.
            _ = try await api.createGuild("Another", session: user.session)
            let live = try await compressed.expect("GUILD_CREATE")
            #expect(live.binary && live.data["name"] as? String == "Another")
            try await plain.close()
            try await compressed.close()
        }
    }

    @Test(.timeLimit(.minutes(1))) func closeCodes() async throws {
        // 1 s to identify: the probes that do identify (or send garbage) must beat it on a loaded CI machine.
        var configuration = TestBackend.configuration()
        configuration.identifyTimeout = .seconds(1)
        try await TestBackend.run(configuration) { addresses in
            let api = RESTClient(port: addresses.restPort)
            let user = try await api.signUp("closer")

            let badSession = GatewayProbe(port: addresses.gatewayPort)
            badSession.identify("not-a-session")
            let frame4004 = try await badSession.closedByServer()
            #expect(frame4004?.closeCode == WebSocketErrorCode(codeNumber: 4004))
            #expect(frame4004?.reason == "Authentication failed")

            let silent = GatewayProbe(port: addresses.gatewayPort)
            let frame4003 = try await silent.closedByServer()
            #expect(frame4003?.closeCode == WebSocketErrorCode(codeNumber: 4003))
            #expect(frame4003?.reason == "Not authenticated")

            let garbage = GatewayProbe(port: addresses.gatewayPort)
            garbage.send("this is not json")
            let frame4002 = try await garbage.closedByServer()
            #expect(frame4002?.closeCode == WebSocketErrorCode(codeNumber: 4002))
            #expect(frame4002?.reason == "Decode error")

            let eventFirst = GatewayProbe(port: addresses.gatewayPort)
            eventFirst.send(#"{"t": "PRESENCE_UPDATE", "d": {}}"#)
            #expect(try await eventFirst.closedByServer()?.closeCode == WebSocketErrorCode(codeNumber: 4003))

            let badEncoding = GatewayProbe(port: addresses.gatewayPort)
            badEncoding.identify(user.session, encoding: "xml")
            #expect(try await badEncoding.closedByServer()?.closeCode == WebSocketErrorCode(codeNumber: 4002))

            let garbageLater = GatewayProbe(port: addresses.gatewayPort)
            garbageLater.identify(user.session)
            _ = try await garbageLater.expect("READY")
            garbageLater.send("{nope")
            #expect(try await garbageLater.closedByServer()?.closeCode == WebSocketErrorCode(codeNumber: 4002))
        }
    }

    @Test(.timeLimit(.minutes(1))) func aClientThatNeverPingsTimesOut() async throws {
        // A 2 s window: long enough for the READY to arrive first on a loaded 2-core CI machine.
        var configuration = TestBackend.configuration()
        configuration.pingInterval = .seconds(1)
        configuration.pingTimeout = .seconds(1)
        try await TestBackend.run(configuration) { addresses in
            let api = RESTClient(port: addresses.restPort)
            let user = try await api.signUp("sleepy")

            let start = ContinuousClock.now
            let silent = GatewayProbe(port: addresses.gatewayPort, autoPing: .disabled)
            silent.identify(user.session)
            _ = try await silent.expect("READY")
            // Text messages are not pings: they do not keep the session alive.
            silent.send(#"{"t": "PRESENCE_UPDATE", "d": {"type": 1}}"#)
            let frame = try await silent.closedByServer()
            #expect(frame?.closeCode == WebSocketErrorCode(codeNumber: 4009))
            #expect(frame?.reason == "Session timed out")
            #expect(ContinuousClock.now - start >= .seconds(2))
        }
    }

    @Test(.timeLimit(.minutes(1))) func aClientThatPingsStaysConnected() async throws {
        var configuration = TestBackend.configuration()
        // A 2 s allowance with pings every 150 ms: generous enough for a loaded 2-core CI machine.
        configuration.pingInterval = .seconds(1)
        configuration.pingTimeout = .seconds(1)
        try await TestBackend.run(configuration) { addresses in
            let api = RESTClient(port: addresses.restPort)
            let user = try await api.signUp("awake")
            let pinging = GatewayProbe(port: addresses.gatewayPort, autoPing: .enabled(timePeriod: .milliseconds(150)))
            pinging.identify(user.session)
            _ = try await pinging.expect("READY")
            // Three allowances long: without the pings being seen it would have been closed twice over.
            try await Task.sleep(for: .milliseconds(6_000))
            _ = try await api.createGuild("Still here", session: user.session)
            _ = try await pinging.expect("GUILD_CREATE")
            let frame = try await pinging.close()
            #expect(frame?.closeCode == .normalClosure)
        }
    }
}
