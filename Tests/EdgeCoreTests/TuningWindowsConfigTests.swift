import EdgeCore
import Testing

@Suite("ConfigLoader: metrics.tuning_windows")
struct TuningWindowsConfigTests {
    @Test("default: 1s, 10s, 1m, 10m, 1h")
    func defaults() throws {
        let config = try #require(loadConfig("metrics: {enabled: true}"))
        #expect(config.metrics.tuningWindows == [.seconds(1), .seconds(10), .minutes(1), .minutes(10), .hours(1)])
    }

    @Test("a list of durations, from the file or from AYAKA_EDGE_METRICS_TUNING_WINDOWS")
    func readsList() throws {
        let config = try #require(loadConfig("metrics:\n  tuning_windows: [5s, 1m, 1d]"))
        #expect(config.metrics.tuningWindows == [.seconds(5), .minutes(1), .days(1)])
        let overridden = try #require(loadConfig("", environment: ["AYAKA_EDGE_METRICS_TUNING_WINDOWS": "1m,1h"]))
        #expect(overridden.metrics.tuningWindows == [.minutes(1), .hours(1)])
    }

    @Test("an empty list is valid: no tuning histograms are recorded")
    func emptyListSwitchesRecordingOff() throws {
        let empty = try #require(loadConfig("metrics:\n  tuning_windows: []"))
        #expect(empty.metrics.tuningWindows.isEmpty)
        #expect(empty.metrics.enabled)
        let fromEnvironment = try #require(loadConfig("", environment: ["AYAKA_EDGE_METRICS_TUNING_WINDOWS": "[]"]))
        #expect(fromEnvironment.metrics.tuningWindows.isEmpty)
    }

    @Test("bad windows: not a duration, too long, repeated, too many")
    func problems() {
        expectProblem("metrics:\n  tuning_windows: [1s, soon]", keyPath: "metrics.tuning_windows[1]", line: 2,
                      message: "expected a duration")
        expectProblem("metrics:\n  tuning_windows: [2d]", keyPath: "metrics.tuning_windows", line: 2,
                      message: "at most 1d")
        expectProblem("metrics:\n  tuning_windows: [1m, 60s]", keyPath: "metrics.tuning_windows", line: 2,
                      message: "distinct")
        expectProblem("metrics:\n  tuning_windows: [1s, 2s, 3s, 4s, 5s, 6s, 7s, 8s, 9s]",
                      keyPath: "metrics.tuning_windows", line: 2, message: "at most 8")
    }
}
