/// Collects the two bound ports and reports once, when both servers are listening.
actor ReadinessLatch {
    private var restPort: Int?
    private var gatewayPort: Int?
    private let onReady: @Sendable (BackendAddresses) async -> Void

    init(onReady: @escaping @Sendable (BackendAddresses) async -> Void) {
        self.onReady = onReady
    }

    func restBound(port: Int) async {
        restPort = port
        await fireIfComplete()
    }

    func gatewayBound(port: Int) async {
        gatewayPort = port
        await fireIfComplete()
    }

    private func fireIfComplete() async {
        guard let restPort, let gatewayPort else { return }
        await onReady(BackendAddresses(restPort: restPort, gatewayPort: gatewayPort))
    }
}
