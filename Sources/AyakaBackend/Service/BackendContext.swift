import Logging

/// Everything a route or gateway connection needs, shared by both servers.
struct BackendContext: Sendable {
    let configuration: BackendConfiguration
    let store: AyakaStore
    let ids: SnowflakeGenerator
    let passwords: PasswordHasher
    let hub: GatewayHub
    let logger: Logger

    var authenticator: Authenticator { Authenticator(store: store) }
}
