import AyakaTestSupport
import Foundation
import Testing
@testable import AyakaBackend

@Suite struct RESTStoryTests {
    @Test(.timeLimit(.minutes(2))) func theWholeStoryThenARestart() async throws {
        let configuration = TestBackend.configuration()
        let guildID: Int64 = try await TestBackend.run(configuration) { addresses in
            let api = RESTClient(port: addresses.restPort)

            // Sign up: 201 with the user and exactly one session; never the password.
            let signUp = try await api.send(
                .POST, "/users/@me",
                json: #"{"username": "ayaka", "separator": 1, "email": "ayaka@example.com", "password": "kamisato-1"}"#
            )
            #expect(signUp.status == 201)
            #expect(signUp.contentType?.hasPrefix("application/json") == true)
            #expect(signUp.string("username") == "ayaka" && signUp.int("separator") == 1)
            #expect(signUp.string("email") == "ayaka@example.com")
            #expect((signUp.json["session_ids"] as? [String])?.count == 1)
            #expect(signUp.json["password"] == nil && !signUp.text.contains("kamisato-1"))
            for key in ["id", "bio", "avatar_url", "banner_url", "flags", "verified", "system", "email_verified"] {
                #expect(signUp.json.keys.contains(key), "missing \(key)")
            }

            // Log in: 201 with a new session; a wrong password is 401.
            let login = try await api.send(
                .POST, "/users/@me/sessions", json: #"{"email": "AYAKA@example.com", "password": "kamisato-1"}"#
            )
            #expect(login.status == 201)
            let owner = try #require(login.string("session_id"))
            let wrong = try await api.send(
                .POST, "/users/@me/sessions", json: #"{"email": "ayaka@example.com", "password": "kamisato-2"}"#
            )
            #expect(wrong.status == 401)
            #expect(wrong.int("code") == 401)

            let me = try await api.send(.GET, "/users/@me", session: "Bearer \(owner)")
            #expect(me.status == 200 && me.string("username") == "ayaka")
            #expect(me.json["session_ids"] == nil && me.json["password"] == nil)
            #expect(try await api.send(.GET, "/users/@me").status == 401)
            #expect(try await api.send(.GET, "/users/@me", session: "nope").status == 401)

            // Create a guild: @everyone role, a category and `general` inside it; the creator owns it.
            let created = try await api.send(
                .POST, "/guilds", json: #"{"name": "Inazuma", "description": "Eternity"}"#, session: owner
            )
            #expect(created.status == 201)
            let guildID = try #require(created.int("id"))
            #expect(created.int("owner") == signUp.int("id"))
            let roles = try #require(created.json["roles"] as? [[String: Any]])
            #expect(roles.count == 1)
            #expect((roles.first?["id"] as? NSNumber)?.int64Value == guildID)
            #expect(roles.first?["name"] as? String == "@everyone")
            #expect(roles.first?["permissions"] as? [String] == ["CREATE_INVITE"])
            #expect((created.json["emojis"] as? [Any])?.isEmpty == true)

            // Invite and join.
            let invite = try await api.send(.POST, "/guilds/\(guildID)/invites", session: owner)
            #expect(invite.status == 201)
            let code = try #require(invite.string("code"))
            #expect(invite.int("guild_id") == guildID && invite.int("inviter_id") == signUp.int("id"))
            #expect(invite.string("created_at") != nil)

            let member = try await api.signUp("thoma")
            let joined = try await api.send(.POST, "/invites/\(code)", session: member.session)
            #expect(joined.status == 200)
            let joinedUser = try #require(joined.json["user"] as? [String: Any])
            #expect((joinedUser["id"] as? NSNumber)?.int64Value == member.id)
            #expect(joinedUser["email"] == nil)
            #expect(joined.json["owner"] as? Bool == false)
            #expect(joined.json["roles"] as? [NSNumber] == [NSNumber(value: guildID)])
            #expect(joined.string("joined_at")?.contains("T") == true)
            for key in ["nick", "avatar_url", "banner_url", "deaf", "mute"] {
                #expect(joined.json.keys.contains(key), "missing \(key)")
            }
            #expect(try await api.send(.POST, "/invites/NOPE", session: member.session).status == 404)
            #expect(try await api.send(.POST, "/invites/\(code)").status == 401)

            let stranger = try await api.signUp("stranger")

            // Edit: owner 200, member without MANAGE_GUILD 203, stranger 201, bad session 201.
            let edited = try await api.send(
                .PATCH, "/guilds/\(guildID)", json: #"{"name": "Narukami"}"#, session: owner
            )
            #expect(edited.status == 200 && edited.string("name") == "Narukami")
            let byMember = try await api.send(
                .PATCH, "/guilds/\(guildID)", json: #"{"name": "Mine"}"#, session: member.session
            )
            #expect(byMember.status == 203)
            let byStranger = try await api.send(
                .PATCH, "/guilds/\(guildID)", json: #"{"name": "Mine"}"#, session: stranger.session
            )
            #expect(byStranger.status == 201)
            #expect(try await api.send(.PATCH, "/guilds/\(guildID)", json: "{}", session: "bad").status == 201)
            #expect(try await api.send(.PATCH, "/guilds/1", json: "{}", session: owner).status == 404)
            let emptyName = try await api.send(.PATCH, "/guilds/\(guildID)", json: #"{"name": ""}"#, session: owner)
            #expect(emptyName.status == 400)

            // Anyone signed in reads the guild; the preview needs no session.
            let read = try await api.send(.GET, "/guilds/\(guildID)", session: stranger.session)
            #expect(read.status == 200 && read.string("name") == "Narukami")
            #expect(try await api.send(.GET, "/guilds/\(guildID)").status == 401)
            let preview = try await api.send(.GET, "/guilds/\(guildID)/preview")
            #expect(preview.status == 200 && preview.int("member_count") == 2 && preview.json["roles"] == nil)

            // Channels: the owner may; a plain member may not.
            let channel = try await api.send(
                .POST, "/guilds/\(guildID)/channels", json: #"{"name": "off-topic", "type": 2}"#, session: owner
            )
            #expect(channel.status == 201 && channel.int("type") == 2 && channel.int("inside_of") == 0)
            let denied = try await api.send(
                .POST, "/guilds/\(guildID)/channels", json: #"{"name": "x", "type": 2}"#, session: member.session
            )
            #expect(denied.status == 403)
            let badParent = try await api.send(
                .POST, "/guilds/\(guildID)/channels", json: #"{"name": "x", "type": 2, "inside_of": 42}"#,
                session: owner
            )
            #expect(badParent.status == 400 && badParent.errors["inside_of"] != nil)

            // Delete: member 203, stranger 201, owner 204, then 404.
            #expect(try await api.send(.DELETE, "/guilds/\(guildID)", session: member.session).status == 203)
            #expect(try await api.send(.DELETE, "/guilds/\(guildID)", session: stranger.session).status == 201)
            #expect(try await api.send(.DELETE, "/guilds/\(guildID)", session: owner).status == 204)
            #expect(try await api.send(.GET, "/guilds/\(guildID)", session: owner).status == 404)
            #expect(try await api.send(.DELETE, "/guilds/\(guildID)", session: owner).status == 404)
            #expect(try await api.send(.GET, "/guilds/\(guildID)/preview").status == 404)

            // Something to find after the restart.
            return try await api.createGuild("Survivor", session: owner)
        }

        // Restart on the same file: users, sessions and guilds are still there.
        try await TestBackend.run(configuration) { addresses in
            let api = RESTClient(port: addresses.restPort)
            let login = try await api.send(
                .POST, "/users/@me/sessions", json: #"{"email": "ayaka@example.com", "password": "kamisato-1"}"#
            )
            #expect(login.status == 201)
            let session = try #require(login.string("session_id"))
            let guild = try await api.send(.GET, "/guilds/\(guildID)", session: session)
            #expect(guild.status == 200 && guild.string("name") == "Survivor")
            let taken = try await api.send(
                .POST, "/users/@me",
                json: #"{"username": "other", "email": "ayaka@example.com", "password": "kamisato-1"}"#
            )
            #expect(taken.status == 400 && taken.errors["email"] != nil)
        }
    }

    @Test(.timeLimit(.minutes(1))) func userValidationAndEdits() async throws {
        try await TestBackend.run { addresses in
            let api = RESTClient(port: addresses.restPort)
            let cases: [(String, String)] = [
                (#"{"username": "a", "email": "a@b.c", "password": "12345678"}"#, "username"),
                (#"{"username": "abc", "separator": 10000, "email": "a@b.c", "password": "12345678"}"#, "separator"),
                (#"{"username": "abc", "separator": -1, "email": "a@b.c", "password": "12345678"}"#, "separator"),
                (#"{"username": "abc", "email": "no-at-sign", "password": "12345678"}"#, "email"),
                (#"{"username": "abc", "email": "a@b.c", "password": "short"}"#, "password"),
                (
                    #"{"username": "\#(String(repeating: "x", count: 33))", "email": "a@b.c", "password": "12345678"}"#,
                    "username"
                ),
            ]
            for (body, field) in cases {
                let reply = try await api.send(.POST, "/users/@me", json: body)
                #expect(reply.status == 400, "\(body)")
                #expect(reply.errors[field] != nil, "\(body): \(reply.text)")
                #expect(reply.int("code") == 400)
            }

            let first = try await api.send(
                .POST, "/users/@me",
                json: #"{"username": "twin", "separator": 7, "email": "1@x.io", "password": "12345678"}"#
            )
            #expect(first.status == 201)
            let clash = try await api.send(
                .POST, "/users/@me",
                json: #"{"username": "twin", "separator": 7, "email": "2@x.io", "password": "12345678"}"#
            )
            #expect(clash.status == 400 && clash.errors["separator"] != nil)
            let second = try await api.send(
                .POST, "/users/@me", json: #"{"username": "twin", "email": "3@x.io", "password": "12345678"}"#
            )
            #expect(second.status == 201 && second.int("separator") != 7)

            let session = try #require((first.json["session_ids"] as? [String])?.first)
            let edit = try await api.send(
                .PATCH, "/users/@me", json: #"{"bio": "hello", "password": "new password"}"#, session: session
            )
            #expect(edit.status == 200 && edit.string("bio") == "hello" && edit.json["password"] == nil)
            let relogin = try await api.send(
                .POST, "/users/@me/sessions", json: #"{"email": "1@x.io", "password": "new password"}"#
            )
            #expect(relogin.status == 201)
            #expect(try await api.send(.PATCH, "/users/@me", json: #"{"bio": "x"}"#).status == 401)
            let badEmail = try await api.send(.PATCH, "/users/@me", json: #"{"email": "3@x.io"}"#, session: session)
            #expect(badEmail.status == 400 && badEmail.errors["email"] != nil)
        }
    }
}
