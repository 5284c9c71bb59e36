import Hummingbird

/// `/guilds`, `/guilds/{id}`, `/guilds/{id}/preview`.
///
/// `GET /guilds/{id}` answers any authenticated user (the seed lists only 200 and 401), members or not.
/// PATCH and DELETE use the seed's codes: 201 for a bad session or a non-member, 203 for a member without the
/// permission (`MANAGE_GUILD` to edit; deleting is for the owner alone), 404 for an unknown guild.
struct GuildRoutes: Sendable {
    let backend: BackendContext

    struct CreateGuild: Decodable {
        var name: String
        var description: String?
    }

    struct EditGuild: Decodable {
        var name: String?
        var description: String?
        var banner: String?
        var inviteBanner: String?
        var vanityURL: String?

        enum CodingKeys: String, CodingKey {
            case name, description, banner
            case inviteBanner = "invite_banner"
            case vanityURL = "vanity_url"
        }
    }

    struct DeletedGuild: Encodable {
        let id: Int64
    }

    func register<Context: RequestContext>(on routes: inout RouteRegistrar<Context>) {
        routes.on(.post, "/guilds") { request, _ in try await create(request) }
        routes.on(.get, "/guilds/{id}") { request, context in try await get(request, guildID(context)) }
        routes.on(.patch, "/guilds/{id}") { request, context in try await edit(request, guildID(context)) }
        routes.on(.delete, "/guilds/{id}") { request, context in try await delete(request, guildID(context)) }
        routes.on(.get, "/guilds/{id}/preview") { _, context in try await preview(guildID(context)) }
    }

    func create(_ request: Request) async throws -> Response {
        let user = try await backend.authenticator.requireUser(for: request)
        let body = try await JSONBody.decode(CreateGuild.self, from: request, limit: backend.configuration.maxBodySize)
        var checks = Validation.Collector()
        checks.check("name", body.name, Validation.guildName)
        checks.check("description", body.description) { Validation.text($0, maximum: Validation.descriptionMaximum) }
        try checks.throwIfInvalid()

        let ids = backend.ids
        let (guild, channels) = try await backend.store.createGuild(
            NewGuild(
                id: ids.next(),
                name: body.name,
                description: body.description ?? "",
                ownerID: user.id,
                categoryID: ids.next(),
                channelID: ids.next(),
                joinedAt: Timestamp.now()
            )
        )
        try await backend.hub.publish(.dispatch("GUILD_CREATE", GuildPayload(guild, channels: channels)), to: [user.id])
        return try JSONResponse.make(.created, GuildPayload(guild))
    }

    func get(_ request: Request, _ id: Int64?) async throws -> Response {
        _ = try await backend.authenticator.requireUser(for: request)
        guard let id, let guild = try await backend.store.guild(id: id) else { throw APIError.notFound("Guild") }
        return try JSONResponse.make(.ok, GuildPayload(guild))
    }

    func edit(_ request: Request, _ id: Int64?) async throws -> Response {
        let (guild, _) = try await authorize(request, guildID: id) { member, guild in
            member.permissions(in: guild).contains(.manageGuild)
        }
        let body = try await JSONBody.decode(EditGuild.self, from: request, limit: backend.configuration.maxBodySize)
        var checks = Validation.Collector()
        checks.check("name", body.name, Validation.guildName)
        checks.check("description", body.description) { Validation.text($0, maximum: Validation.descriptionMaximum) }
        for (field, value) in [("banner", body.banner), ("invite_banner", body.inviteBanner)] {
            checks.check(field, value) { Validation.text($0, maximum: Validation.urlMaximum) }
        }
        checks.check("vanity_url", body.vanityURL) { Validation.text($0, maximum: 100) }
        try checks.throwIfInvalid()

        let updated = try await backend.store.updateGuild(
            id: guild.id,
            GuildChanges(
                name: body.name,
                description: body.description,
                banner: body.banner,
                inviteBanner: body.inviteBanner,
                vanityURL: body.vanityURL
            )
        )
        let members = try await backend.store.memberIDs(guildID: guild.id)
        try await backend.hub.publish(.dispatch("GUILD_UPDATE", GuildPayload(updated)), to: members)
        return try JSONResponse.make(.ok, GuildPayload(updated))
    }

    func delete(_ request: Request, _ id: Int64?) async throws -> Response {
        let (guild, _) = try await authorize(request, guildID: id) { member, _ in member.owner }
        let members = try await backend.store.deleteGuild(id: guild.id)
        try await backend.hub.publish(.dispatch("GUILD_DELETE", DeletedGuild(id: guild.id)), to: members)
        return JSONResponse.noContent()
    }

    func preview(_ id: Int64?) async throws -> Response {
        guard let id, let guild = try await backend.store.guild(id: id) else { throw APIError.notFound("Guild") }
        let count = try await backend.store.memberCount(guildID: id)
        return try JSONResponse.make(.ok, GuildPreviewPayload(guild: guild, memberCount: count))
    }

    /// The seed's order of checks for PATCH/DELETE: bad session → 201, unknown guild → 404,
    /// non-member → 201, member failing `allowed` → 203.
    private func authorize(
        _ request: Request,
        guildID: Int64?,
        allowed: (Member, Guild) -> Bool
    ) async throws -> (Guild, Member) {
        guard let user = try await backend.authenticator.user(for: request) else {
            throw APIError.notAMemberOrBadSession
        }
        guard let guildID, let guild = try await backend.store.guild(id: guildID) else {
            throw APIError.notFound("Guild")
        }
        guard let member = try await backend.store.member(guildID: guildID, userID: user.id) else {
            throw APIError.notAMemberOrBadSession
        }
        guard allowed(member, guild) else { throw APIError.notEnoughPermissions }
        return (guild, member)
    }
}

/// The `{id}` path parameter; `nil` when it is not an integer (answered as 404: no such guild).
func guildID(_ context: some RequestContext) -> Int64? {
    context.parameters.get("id", as: Int64.self)
}

extension Member {
    /// Effective permissions from the owner flag and the guild roles this member holds.
    func permissions(in guild: Guild) -> Permissions {
        let held = guild.roles.filter { roles.contains($0.id) }.map(\.resolvedPermissions)
        return Permissions.effective(isOwner: owner, roles: held)
    }
}
