/// The ports the backend actually bound (useful when configured with port 0).
public struct BackendAddresses: Sendable, Equatable {
    public var restPort: Int
    public var gatewayPort: Int

    public init(restPort: Int, gatewayPort: Int) {
        self.restPort = restPort
        self.gatewayPort = gatewayPort
    }
}
