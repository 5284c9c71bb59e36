import EdgeCore
import Testing

@Suite("ConfigDuration")
struct ConfigDurationTests {
    @Test("`<integer><unit>` with unit ms, s, m, h or d", arguments: [
        ("250ms", ConfigDuration.milliseconds(250), Int64(250_000_000)),
        ("10s", .seconds(10), 10_000_000_000),
        ("1m", .minutes(1), 60_000_000_000),
        ("2h", .hours(2), 7_200_000_000_000),
        ("7d", .days(7), 604_800_000_000_000),
        ("0s", .seconds(0), 0),
    ])
    func parses(text: String, duration: ConfigDuration, nanoseconds: Int64) {
        #expect(ConfigDuration(parsing: text) == duration)
        #expect(duration.nanoseconds == nanoseconds)
        #expect(duration.description == text)
    }

    @Test("the unit is kept: 60s and 1m last as long but name different buckets")
    func unitIsKept() {
        #expect(ConfigDuration(parsing: "60s") != ConfigDuration(parsing: "1m"))
        #expect(ConfigDuration.seconds(60).nanoseconds == ConfigDuration.minutes(1).nanoseconds)
        #expect(ConfigDuration.seconds(10).unit.bucketWord == "second")
        #expect(ConfigDuration.minutes(1).unit.bucketWord == "minute")
        #expect(ConfigDuration.milliseconds(1500).seconds == 1.5)
        #expect(ConfigDuration.seconds(2).duration == .seconds(2))
    }

    @Test("anything else is refused", arguments: [
        "", "10", "s", "10 s", " 10s", "10s ", "1.5m", "-5s", "+5s", "10S", "10sec", "1w", "10ss", "1m30s",
        "١٠s", "9999999999999s",
    ])
    func refuses(text: String) {
        #expect(ConfigDuration(parsing: text) == nil)
    }

    @Test("durations whose nanoseconds overflow Int64 are refused")
    func overflow() {
        #expect(ConfigDuration(parsing: "106751d") != nil)
        #expect(ConfigDuration(parsing: "106752d") == nil)
        #expect(ConfigDuration(parsing: "999999999999h") == nil)
        #expect(ConfigDuration(parsing: "999999999999ms") != nil)
    }
}
