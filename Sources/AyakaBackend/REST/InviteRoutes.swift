import Hummingbird

/// `POST /guilds/{id}/invites` (create) and `POST /invites/{code}` (join).
///
/// Creating: 401 bad session, 404 unknown guild, 403 non-member or member without `CREATE_INVITE`, 201 invite;
/// emits `INVITE_CREATE` to the guild's members. Joining: 401, 404 unknown code, 200 Member; a new member gets
/// `GUILD_JOIN` (the guild with its channels) and the owner a `NOTIFICATION` of type `GUILD`. Joining a guild one
/// already belongs to answers 200 with the existing member and emits nothing.
struct InviteRoutes: Sendable {
    let backend: BackendContext

    struct JoinExcerpt: Encodable {
        let event = "MEMBER_JOIN"
        let guildID: Int64
        let guildName: String
        let member: MemberPayload

        enum CodingKeys: String, CodingKey {
            case event, member
            case guildID = "guild_id"
            case guildName = "guild_name"
        }
    }

    func register<Context: RequestContext>(on routes: inout RouteRegistrar<Context>) {
        routes.on(.post, "/guilds/{id}/invites") { request, context in try await create(request, guildID(context)) }
        routes.on(.post, "/invites/{code}") { request, context in
            try await join(request, code: context.parameters.get("code") ?? "")
        }
    }

    func create(_ request: Request, _ id: Int64?) async throws -> Response {
        let user = try await backend.authenticator.requireUser(for: request)
        guard let id, let guild = try await backend.store.guild(id: id) else { throw APIError.notFound("Guild") }
        guard let member = try await backend.store.member(guildID: id, userID: user.id) else {
            throw APIError(.forbidden, "Not a member of this guild")
        }
        guard member.permissions(in: guild).contains(.createInvite) else {
            throw APIError(.forbidden, "Missing permission CREATE_INVITE")
        }
        let invite = Invite(code: SecureToken.inviteCode(), guildID: id, inviterID: user.id, createdAt: Timestamp.now())
        try await backend.store.createInvite(invite)
        let members = try await backend.store.memberIDs(guildID: id)
        try await backend.hub.publish(.dispatch("INVITE_CREATE", invite), to: members)
        return try JSONResponse.make(.created, invite)
    }

    func join(_ request: Request, code: String) async throws -> Response {
        let user = try await backend.authenticator.requireUser(for: request)
        guard let invite = try await backend.store.invite(code: code) else { throw APIError.notFound("Invite") }
        let (member, joined) = try await backend.store.join(
            guildID: invite.guildID,
            userID: user.id,
            joinedAt: Timestamp.now()
        )
        if joined, let guild = try await backend.store.guild(id: invite.guildID) {
            let channels = try await backend.store.channels(guildID: guild.id)
            let joinEvent = try GatewayEvent.dispatch("GUILD_JOIN", GuildPayload(guild, channels: channels))
            await backend.hub.publish(joinEvent, to: [user.id])
            let excerpt = JoinExcerpt(guildID: guild.id, guildName: guild.name, member: MemberPayload(member))
            try await backend.hub.publish(.notification(type: "GUILD", excerpt: excerpt), to: [guild.ownerID])
        }
        return try JSONResponse.make(.ok, MemberPayload(member))
    }
}
