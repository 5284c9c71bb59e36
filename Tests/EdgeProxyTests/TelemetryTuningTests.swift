import EdgeCore
import Logging
import Testing

@testable import EdgeProxy

/// `metrics.tuning_windows: []` switches the tuning histograms off: no recorder on any loop, so
/// `ClientProxyHandler` gets `nil` and `RateLimitAdmitter` skips the call per request.
@Suite("ProxyTelemetry: metrics.tuning_windows")
struct TelemetryTuningTests {
    private func telemetry(windows: [ConfigDuration]) -> ProxyTelemetry {
        var config = EdgeConfig()
        config.metrics.enabled = false  // no SQLite file
        config.metrics.tuningWindows = windows
        return ProxyTelemetry(config: config, version: "test", logger: Logger(label: "test"))
    }

    @Test("[]: no recorder, and a drain has no window counts")
    func emptyListHasNoRecorder() async {
        let telemetry = telemetry(windows: [])
        #expect(telemetry.windows == nil)
        let snapshot = await telemetry.drainShards(now: 0)
        #expect(snapshot.windows.isEmpty)
    }

    @Test("the default windows: a recorder per loop")
    func defaultHasRecorders() {
        let telemetry = telemetry(windows: EdgeConfig.Metrics().tuningWindows)
        #expect(telemetry.windows != nil)
    }
}
