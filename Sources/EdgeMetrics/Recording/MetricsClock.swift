#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time in nanoseconds since the Unix epoch; injected so tests control minute boundaries.
public typealias MetricsClock = @Sendable () -> Int64

/// Clocks for metrics.
public enum MetricsClocks {
    /// The system wall clock. On Linux the coarse clock is used (a few ms resolution, a fraction of
    /// the cost), which is plenty to put a request in its minute.
    public static let wall: MetricsClock = {
        var spec = timespec()
        #if os(Linux)
        clock_gettime(CLOCK_REALTIME_COARSE, &spec)
        #else
        clock_gettime(CLOCK_REALTIME, &spec)
        #endif
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    /// The start of the minute holding `nanos`, in whole seconds since the epoch (the `minute` column).
    @inline(__always)
    public static func minuteStart(ofNanos nanos: Int64) -> Int64 {
        let seconds = nanos >= 0 ? nanos / 1_000_000_000 : (nanos - 999_999_999) / 1_000_000_000
        return seconds - ((seconds % 60) + 60) % 60
    }
}
