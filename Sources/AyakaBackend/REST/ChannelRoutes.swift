import Hummingbird

/// `POST /guilds/{id}/channels` `{name, description?, type, inside_of?}`: 201 Channel; 400 invalid (type not 1 or 2,
/// a category inside another, `inside_of` not a category of this guild); 401; 403 non-member or no
/// `MANAGE_CHANNELS`; 404 unknown guild. Emits `CHANNEL_CREATE` to the guild's members.
struct ChannelRoutes: Sendable {
    let backend: BackendContext

    struct CreateChannel: Decodable {
        var name: String
        var description: String?
        var type: Int
        var insideOf: Int64?

        enum CodingKeys: String, CodingKey {
            case name, description, type
            case insideOf = "inside_of"
        }
    }

    func register<Context: RequestContext>(on routes: inout RouteRegistrar<Context>) {
        routes.on(.post, "/guilds/{id}/channels") { request, context in try await create(request, guildID(context)) }
    }

    func create(_ request: Request, _ id: Int64?) async throws -> Response {
        let user = try await backend.authenticator.requireUser(for: request)
        guard let id, let guild = try await backend.store.guild(id: id) else { throw APIError.notFound("Guild") }
        guard let member = try await backend.store.member(guildID: id, userID: user.id) else {
            throw APIError(.forbidden, "Not a member of this guild")
        }
        guard member.permissions(in: guild).contains(.manageChannels) else {
            throw APIError(.forbidden, "Missing permission MANAGE_CHANNELS")
        }
        let limit = backend.configuration.maxBodySize
        let body = try await JSONBody.decode(CreateChannel.self, from: request, limit: limit)
        var checks = Validation.Collector()
        checks.check("name", body.name, Validation.channelName)
        checks.check("description", body.description) { Validation.text($0, maximum: Validation.descriptionMaximum) }
        let kind = Channel.Kind(rawValue: body.type)
        if kind == nil {
            checks.check("type", body.type) { _ in "must be 1 (category) or 2 (text channel)" }
        }
        let insideOf = body.insideOf ?? 0
        if kind == .category && insideOf != 0 {
            checks.check("inside_of", insideOf) { _ in "must be 0 for a category" }
        }
        try checks.throwIfInvalid()
        guard let kind else { throw APIError.invalid(["type": "must be 1 or 2"]) }

        let channel = try await backend.store.createChannel(
            id: backend.ids.next(),
            guildID: id,
            name: body.name,
            description: body.description ?? "",
            kind: kind,
            insideOf: insideOf
        )
        let members = try await backend.store.memberIDs(guildID: id)
        try await backend.hub.publish(.dispatch("CHANNEL_CREATE", channel), to: members)
        return try JSONResponse.make(.created, channel)
    }
}
