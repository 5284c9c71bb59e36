import AyakaTestSupport
import EdgeCore
import Foundation
import NIOHTTP1
import Testing

/// The seed's story through the proxy: REST and gateway both relayed, with rate-limit headers on every
/// REST response and events fanned out to exactly the users they concern.
@Suite struct StoryThroughTheProxyTests {
    @Test func signUpGuildInviteJoinAndEventsThroughTheProxy() async throws {
        let deployment = try await Deployment.start()
        let api = RESTClient(port: deployment.proxyREST)

        let alice = try await api.signUp("alice")
        let bob = try await api.signUp("bob")
        let stranger = try await api.signUp("stranger")
        let guild = try await api.createGuild("Proxy Guild", session: alice.session)

        // Identify through the proxy: READY, then one GUILD_INIT per guild with its channels.
        let aliceGateway = GatewayProbe(port: deployment.proxyGateway)
        aliceGateway.identify(alice.session)
        let ready = try await aliceGateway.expect("READY")
        #expect((ready.data["guilds"] as? [NSNumber])?.map(\.int64Value) == [guild])
        let initial = try await aliceGateway.expect("GUILD_INIT")
        #expect((initial.data["id"] as? NSNumber)?.int64Value == guild)
        #expect((initial.data["channels"] as? [[String: Any]])?.count == 2)

        let bobGateway = GatewayProbe(port: deployment.proxyGateway)
        bobGateway.identify(bob.session)
        _ = try await bobGateway.expect("READY")
        let strangerGateway = GatewayProbe(port: deployment.proxyGateway)
        strangerGateway.identify(stranger.session)
        _ = try await strangerGateway.expect("READY")

        let invite = try await api.send(.POST, "/guilds/\(guild)/invites", session: alice.session)
        #expect(invite.status == 201)
        let code = try #require(invite.string("code"))
        let joined = try await api.send(.POST, "/invites/\(code)", session: bob.session)
        #expect(joined.status == 200)
        _ = try await bobGateway.skip(to: "GUILD_JOIN")

        // A REST action by Alice reaches Bob (a member) and not the stranger.
        let edit = try await api.send(.PATCH, "/guilds/\(guild)", json: #"{"name": "Renamed"}"#, session: alice.session)
        #expect(edit.status == 200)
        let update = try await bobGateway.skip(to: "GUILD_UPDATE")
        #expect(update.data["name"] as? String == "Renamed")
        strangerGateway.send(#"{"t": "PRESENCE_UPDATE", "d": {"type": 1}}"#)
        bobGateway.send(#"{"t": "PRESENCE_UPDATE", "d": {"type": 2, "description": "hi"}}"#)
        let presence = try await aliceGateway.skip(to: "PRESENCE_UPDATE")
        #expect((presence.json["id"] as? NSNumber)?.int64Value == bob.id)

        // The member's edit gets the seed's 203, the stranger's 201; the owner deletes (204), then 404.
        #expect(try await api.send(.PATCH, "/guilds/\(guild)", json: #"{"name": "x"}"#, session: bob.session).status == 203)
        #expect(try await api.send(.PATCH, "/guilds/\(guild)", json: #"{"name": "x"}"#, session: stranger.session).status == 201)
        #expect(try await api.send(.DELETE, "/guilds/\(guild)", session: alice.session).status == 204)
        #expect(try await api.send(.GET, "/guilds/\(guild)", session: alice.session).status == 404)
        _ = try await bobGateway.skip(to: "GUILD_DELETE")

        // The stranger saw none of the guild's events.
        try await strangerGateway.close()
        var strangerEvents: [String] = []
        while let message = await strangerGateway.next() { strangerEvents.append(message.type ?? "?") }
        #expect(!strangerEvents.contains("GUILD_UPDATE"))
        #expect(!strangerEvents.contains("PRESENCE_UPDATE"))
        #expect(!strangerEvents.contains("GUILD_DELETE"))

        try await aliceGateway.close()
        try await bobGateway.close()
        await deployment.stop()
    }

    @Test func badSessionThroughTheProxyIsClosedWith4004() async throws {
        let deployment = try await Deployment.start()
        let probe = GatewayProbe(port: deployment.proxyGateway)
        probe.identify("no-such-session")
        let close = try await probe.closedByServer()
        #expect(close?.closeCode == .unknown(4004))
        await deployment.stop()
    }

    @Test func everyProxiedResponseCarriesTheRateLimitHeaders() async throws {
        let deployment = try await Deployment.start()
        var request = HTTPClientRequestBuilder(port: deployment.proxyREST)
        let response = try await request.get("/guilds/1/preview")
        #expect(response.status == .notFound)
        #expect(response.headers["X-RateLimit-Bucket"] == ["LIMITER/127.0.0.1/guilds.preview/60/10/second"])
        #expect(response.headers["X-RateLimit-Limit"] == ["60"])
        await deployment.stop()
    }
}
