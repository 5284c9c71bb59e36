import AyakaTestSupport
import NIOCore
import Testing
@testable import AyakaBackend

@Suite struct RESTBadInputTests {
    @Test(.timeLimit(.minutes(1))) func clientMistakesGetJSONErrorsNeverA500() async throws {
        try await TestBackend.run { addresses in
            let api = RESTClient(port: addresses.restPort)
            let owner = try await api.signUp("careful")

            let malformed = try await api.send(.POST, "/users/@me", json: #"{"username": "#)
            #expect(malformed.status == 400)
            #expect(malformed.int("code") == 400 && malformed.string("message") == "Malformed JSON")
            #expect(malformed.errors["body"] != nil)

            let notAnObject = try await api.send(.POST, "/guilds", json: "[1, 2]", session: owner.session)
            #expect(notAnObject.status == 400 && notAnObject.errors["body"] != nil)

            let wrongType = try await api.send(
                .POST, "/users/@me",
                json: #"{"username": "abc", "separator": "7", "email": "a@b.c", "password": "12345678"}"#
            )
            #expect(wrongType.status == 400 && wrongType.errors["separator"] == "must be an integer")

            let missing = try await api.send(.POST, "/users/@me", json: #"{"username": "abc", "password": "12345678"}"#)
            #expect(missing.status == 400 && missing.errors["email"] == "is required")

            let null = try await api.send(.POST, "/guilds", json: #"{"name": null}"#, session: owner.session)
            #expect(null.status == 400 && null.errors["name"] != nil)

            let nullBody = try await api.send(.POST, "/guilds", json: "null", session: owner.session)
            #expect(nullBody.status == 400 && nullBody.errors["body"] != nil)

            let overflow = try await api.send(
                .POST, "/users/@me",
                json: #"{"username": "abc", "separator": 1e400, "email": "a@b.c", "password": "12345678"}"#
            )
            #expect(overflow.status == 400 && overflow.int("code") == 400)

            let empty = try await api.send(.POST, "/guilds", session: owner.session)
            #expect(empty.status == 400 && empty.int("code") == 400)

            let huge = ByteBuffer(repeating: UInt8(ascii: "a"), count: 10 * 1024 * 1024)
            let tooLarge = try await api.send(.POST, "/users/@me", body: huge)
            #expect(tooLarge.status == 413)
            #expect(tooLarge.int("code") == 413)

            let unknown = try await api.send(.GET, "/nowhere/at/all")
            #expect(unknown.status == 404 && unknown.int("code") == 404)
            #expect(unknown.contentType?.hasPrefix("application/json") == true)
            #expect(unknown.json.keys.contains("errors"))

            let wrongMethod = try await api.send(.PUT, "/users/@me", json: "{}")
            #expect(wrongMethod.status == 405 && wrongMethod.int("code") == 405)

            let badChannelType = try await api.send(
                .POST, "/guilds/\(try await api.createGuild("g", session: owner.session))/channels",
                json: #"{"name": "x", "type": 9}"#, session: owner.session
            )
            #expect(badChannelType.status == 400 && badChannelType.errors["type"] != nil)

            #expect(try await api.send(.GET, "/guilds/not-a-number", session: owner.session).status == 404)
            let longName = String(repeating: "n", count: 101)
            let badGuild = try await api.send(
                .POST, "/guilds", json: #"{"name": "\#(longName)"}"#, session: owner.session
            )
            #expect(badGuild.status == 400 && badGuild.errors["name"] != nil)
        }
    }
}
