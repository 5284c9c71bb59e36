/// An Ayaka account as stored.
struct User: Sendable, Equatable {
    var id: Int64
    var username: String
    var separator: Int
    var bio: String
    var avatarURL: String?
    var bannerURL: String?
    var flags: [String]
    var verified: Bool
    var email: String
    var passwordHash: String
    var system: Bool
    var emailVerified: Bool
}

/// The JSON form of a ``User``. `password` is never written.
///
/// - `.own(sessionIDs:)`: the account holder's view (`email`, `email_verified`), with `session_ids` only where the
///   contract shows them (sign-up and the gateway's READY); `nil` leaves the key out.
/// - `.public`: what other users see (inside a Member): no email, no sessions.
struct UserPayload: Encodable, Sendable {
    enum Visibility: Sendable {
        case own(sessionIDs: [String]?)
        case `public`
    }

    let user: User
    let visibility: Visibility

    enum CodingKeys: String, CodingKey {
        case id, username, separator, bio, flags, verified, email, system
        case avatarURL = "avatar_url"
        case bannerURL = "banner_url"
        case emailVerified = "email_verified"
        case sessionIDs = "session_ids"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(user.id, forKey: .id)
        try container.encode(user.username, forKey: .username)
        try container.encode(user.separator, forKey: .separator)
        try container.encode(user.bio, forKey: .bio)
        try container.encode(user.avatarURL, forKey: .avatarURL)
        try container.encode(user.bannerURL, forKey: .bannerURL)
        try container.encode(user.flags, forKey: .flags)
        try container.encode(user.verified, forKey: .verified)
        try container.encode(user.system, forKey: .system)
        if case .own(let sessionIDs) = visibility {
            try container.encode(user.email, forKey: .email)
            try container.encode(user.emailVerified, forKey: .emailVerified)
            try container.encodeIfPresent(sessionIDs, forKey: .sessionIDs)
        }
    }
}
