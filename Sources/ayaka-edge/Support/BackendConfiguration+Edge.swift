import AyakaBackend
import EdgeCore

extension BackendConfiguration {
    /// The embedded backend's settings from the `backend:` and `gateway:` sections.
    init(_ config: EdgeConfig) {
        self.init()
        restHost = config.backend.listenREST.host
        restPort = config.backend.listenREST.port
        gatewayHost = config.backend.listenGateway.host
        gatewayPort = config.backend.listenGateway.port
        databasePath = config.backend.database
        pingInterval = config.gateway.pingInterval.duration
        // The proxy enforces the ping window (4009); the embedded backend behind it allows a little more,
        // so a relayed ping arriving at the very edge never makes the backend close first.
        pingTimeout = config.gateway.pingTimeout.duration + .seconds(5)
    }
}

extension EdgeConfig {
    /// With no upstream configured, the proxy fronts the embedded reference backend.
    var withEmbeddedBackendUpstreams: EdgeConfig {
        guard upstreams.usesEmbeddedBackend else { return self }
        var copy = self
        let rest = backend.listenREST, gateway = backend.listenGateway
        copy.upstreams.rest = [UpstreamURL(scheme: .http, host: rest.host, port: rest.port)]
        copy.upstreams.gateway = [UpstreamURL(scheme: .ws, host: gateway.host, port: gateway.port)]
        return copy
    }
}
