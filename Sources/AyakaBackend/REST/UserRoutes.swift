import Hummingbird

/// `/users/@me` and `/users/@me/sessions`.
struct UserRoutes: Sendable {
    let backend: BackendContext

    struct CreateUser: Decodable {
        var username: String
        var separator: Int?
        var bio: String?
        var email: String
        var password: String
    }

    struct EditUser: Decodable {
        var username: String?
        var separator: Int?
        var bio: String?
        var email: String?
        var password: String?
        var avatarURL: String?
        var bannerURL: String?

        enum CodingKeys: String, CodingKey {
            case username, separator, bio, email, password
            case avatarURL = "avatar_url"
            case bannerURL = "banner_url"
        }
    }

    struct Login: Decodable {
        var email: String
        var password: String
    }

    struct SessionCreated: Encodable {
        let sessionID: String
        enum CodingKeys: String, CodingKey { case sessionID = "session_id" }
    }

    func register<Context: RequestContext>(on routes: inout RouteRegistrar<Context>) {
        routes.on(.post, "/users/@me") { request, _ in try await create(request) }
        routes.on(.get, "/users/@me") { request, _ in try await me(request) }
        routes.on(.patch, "/users/@me") { request, _ in try await edit(request) }
        routes.on(.post, "/users/@me/sessions") { request, _ in try await login(request) }
    }

    /// 201 with the new user, whose `session_ids` holds its first session.
    func create(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(CreateUser.self, from: request, limit: backend.configuration.maxBodySize)
        var checks = Validation.Collector()
        checks.check("username", body.username, Validation.username)
        checks.check("separator", body.separator, Validation.separator)
        checks.check("bio", body.bio) { Validation.text($0, maximum: Validation.bioMaximum) }
        checks.check("email", body.email, Validation.email)
        checks.check("password", body.password, Validation.password)
        try checks.throwIfInvalid()

        let passwordHash = try await hash(body.password)
        let sessionID = SecureToken.sessionID()
        let user = try await backend.store.createUser(
            NewUser(
                id: backend.ids.next(),
                username: body.username,
                separator: body.separator,
                bio: body.bio ?? "",
                email: body.email,
                passwordHash: passwordHash
            ),
            sessionID: sessionID,
            createdAt: Timestamp.now()
        )
        return try JSONResponse.make(.created, UserPayload(user: user, visibility: .own(sessionIDs: [sessionID])))
    }

    func me(_ request: Request) async throws -> Response {
        let user = try await backend.authenticator.requireUser(for: request)
        return try JSONResponse.make(.ok, UserPayload(user: user, visibility: .own(sessionIDs: nil)))
    }

    func edit(_ request: Request) async throws -> Response {
        let user = try await backend.authenticator.requireUser(for: request)
        let body = try await JSONBody.decode(EditUser.self, from: request, limit: backend.configuration.maxBodySize)
        var checks = Validation.Collector()
        checks.check("username", body.username, Validation.username)
        checks.check("separator", body.separator, Validation.separator)
        checks.check("bio", body.bio) { Validation.text($0, maximum: Validation.bioMaximum) }
        checks.check("email", body.email, Validation.email)
        checks.check("password", body.password, Validation.password)
        checks.check("avatar_url", body.avatarURL) { Validation.text($0, maximum: Validation.urlMaximum) }
        checks.check("banner_url", body.bannerURL) { Validation.text($0, maximum: Validation.urlMaximum) }
        try checks.throwIfInvalid()

        var changes = UserChanges(
            username: body.username,
            separator: body.separator,
            bio: body.bio,
            email: body.email,
            avatarURL: body.avatarURL,
            bannerURL: body.bannerURL
        )
        if let password = body.password {
            changes.passwordHash = try await hash(password)
        }
        let updated = try await backend.store.updateUser(id: user.id, changes)
        return try JSONResponse.make(.ok, UserPayload(user: updated, visibility: .own(sessionIDs: nil)))
    }

    /// 201 `{"session_id"}`; 401 for an unknown email or a wrong password (the same answer for both).
    func login(_ request: Request) async throws -> Response {
        let body = try await JSONBody.decode(Login.self, from: request, limit: backend.configuration.maxBodySize)
        let user = try await backend.store.user(email: body.email)
        let passwords = backend.passwords
        let valid = await Task.detached {
            guard let user else {
                // Spend the same time as a real check so that timing does not reveal which emails exist.
                _ = try? passwords.hash(body.password)
                return false
            }
            return passwords.verify(body.password, against: user.passwordHash)
        }.value
        guard valid, let user else {
            throw APIError(.unauthorized, "Invalid email or password")
        }
        let sessionID = SecureToken.sessionID()
        try await backend.store.addSession(id: sessionID, userID: user.id, createdAt: Timestamp.now())
        return try JSONResponse.make(.created, SessionCreated(sessionID: sessionID))
    }

    /// PBKDF2 is deliberately slow: run it off the caller's executor.
    private func hash(_ password: String) async throws -> String {
        let passwords = backend.passwords
        return try await Task.detached { try passwords.hash(password) }.value
    }
}
