import Testing
@testable import AyakaBackend

@Suite struct StoreTests {
    let ids = SnowflakeGenerator(workerID: 3)

    private func makeUser(_ store: AyakaStore, _ name: String, email: String) async throws -> User {
        try await store.createUser(
            NewUser(id: ids.next(), username: name, separator: nil, bio: "", email: email, passwordHash: "x"),
            sessionID: SecureToken.sessionID(),
            createdAt: Timestamp.now()
        )
    }

    private func makeGuild(_ store: AyakaStore, owner: Int64) async throws -> (Guild, [Channel]) {
        try await store.createGuild(
            NewGuild(
                id: ids.next(), name: "g", description: "", ownerID: owner, categoryID: ids.next(),
                channelID: ids.next(), joinedAt: Timestamp.now()
            )
        )
    }

    @Test func reopeningMigratesOnceAndKeepsData() async throws {
        let path = TestBackend.temporaryDatabasePath()
        let user = try await makeUser(try AyakaStore(path: path), "keeper", email: "k@x.io")
        let reopened = try AyakaStore(path: path)
        #expect(try await reopened.user(id: user.id) == user)
        #expect(try await reopened.sessionIDs(userID: user.id).count == 1)
    }

    @Test func emailsAreUniqueWhateverTheCase() async throws {
        let store = try AyakaStore(path: TestBackend.temporaryDatabasePath())
        _ = try await makeUser(store, "one", email: "Same@X.io")
        await #expect(throws: StoreError.conflict(field: "email", message: "is already registered")) {
            _ = try await makeUser(store, "two", email: "same@x.io")
        }
        #expect(try await store.user(email: "SAME@x.IO")?.username == "one")
    }

    @Test func aNewGuildHasItsRoleCategoryChannelAndOwner() async throws {
        let store = try AyakaStore(path: TestBackend.temporaryDatabasePath())
        let owner = try await makeUser(store, "owner", email: "o@x.io")
        let (guild, channels) = try await makeGuild(store, owner: owner.id)
        #expect(guild.roles.map(\.id) == [guild.id])
        #expect(guild.roles.first?.permissions == ["CREATE_INVITE"])
        #expect(channels.map(\.type) == [1, 2])
        #expect(channels[1].insideOf == channels[0].id && channels[1].name == "general")
        let member = try #require(try await store.member(guildID: guild.id, userID: owner.id))
        #expect(member.owner && member.roles == [guild.id])
        #expect(member.permissions(in: guild) == .all)
    }

    @Test func joiningTwiceChangesNothingAndDeletingCascades() async throws {
        let store = try AyakaStore(path: TestBackend.temporaryDatabasePath())
        let owner = try await makeUser(store, "owner", email: "o@x.io")
        let guest = try await makeUser(store, "guest", email: "g@x.io")
        let (guild, _) = try await makeGuild(store, owner: owner.id)
        let invite = Invite(code: SecureToken.inviteCode(), guildID: guild.id, inviterID: owner.id, createdAt: "t")
        try await store.createInvite(invite)

        let first = try await store.join(guildID: guild.id, userID: guest.id, joinedAt: "a")
        let again = try await store.join(guildID: guild.id, userID: guest.id, joinedAt: "b")
        #expect(first.joined && !again.joined && again.member.joinedAt == "a")
        #expect(!first.member.owner)
        #expect(first.member.permissions(in: guild) == [.createInvite])
        #expect(try await store.userIDsSharingGuild(with: guest.id) == [owner.id])

        #expect(Set(try await store.deleteGuild(id: guild.id)) == [owner.id, guest.id])
        #expect(try await store.guild(id: guild.id) == nil)
        #expect(try await store.channels(guildID: guild.id).isEmpty)
        #expect(try await store.invite(code: invite.code) == nil)
        #expect(try await store.memberIDs(guildID: guild.id).isEmpty)
        await #expect(throws: StoreError.notFound) { _ = try await store.deleteGuild(id: guild.id) }
    }

    @Test func channelsNestOnlyInACategoryOfTheSameGuild() async throws {
        let store = try AyakaStore(path: TestBackend.temporaryDatabasePath())
        let owner = try await makeUser(store, "owner", email: "o@x.io")
        let (guild, channels) = try await makeGuild(store, owner: owner.id)
        let (otherGuild, otherChannels) = try await makeGuild(store, owner: owner.id)
        let text = try await store.createChannel(
            id: ids.next(), guildID: guild.id, name: "second", description: "", kind: .text, insideOf: channels[0].id
        )
        #expect(text.position == 1)
        await #expect(throws: StoreError.invalidParent) {
            _ = try await store.createChannel(
                id: ids.next(), guildID: guild.id, name: "x", description: "", kind: .text,
                insideOf: otherChannels[0].id
            )
        }
        await #expect(throws: StoreError.invalidParent) {
            _ = try await store.createChannel(
                id: ids.next(), guildID: otherGuild.id, name: "x", description: "", kind: .text, insideOf: text.id
            )
        }
    }
}
