/// The bins of the requests-per-client-per-window histograms (`window_histograms` in `Storage/Schema.md`).
///
/// Counts 1...64 have a bin each (exact). Above 64 the bins are log-spaced, four per doubling: for
/// octave `k` (0...19) and step `s` (0...3), with `base = 64 << k`, the bin holds
/// `base + base * s / 4 + 1 ... base + base * (s + 1) / 4` (65–80, 81–96, 97–112, 113–128, 129–160, ...).
/// The last bin holds everything above `64 << 20` (67,108,864). 145 bins in all; the bounds are fixed
/// (changing them needs a migration), and the database stores each bin's bounds beside its counts.
public enum CountBins {
    /// Counts up to this have a bin each.
    public static let exactMax: Int64 = 64
    static let stepsPerOctave = 4
    static let octaves = 20
    /// Number of bins.
    public static let count = Int(exactMax) + stepsPerOctave * octaves + 1

    /// The bin holding `value` (a count ≥ 1; smaller values go to bin 0).
    @inline(__always)
    public static func bin(of value: Int64) -> Int {
        if value <= exactMax { return Int(max(value, 1)) - 1 }
        let q = UInt64(value - 1) >> 6
        let octave = 63 - q.leadingZeroBitCount
        guard octave < octaves else { return count - 1 }
        let base = exactMax << octave
        let step = Int((value - 1 - base) * Int64(stepsPerOctave) / base)
        return Int(exactMax) + octave * stepsPerOctave + step
    }

    /// The smallest count bin `index` holds.
    public static func lower(_ index: Int) -> Int64 {
        if index < Int(exactMax) { return Int64(index + 1) }
        if index >= count - 1 { return (exactMax << octaves) + 1 }
        let (octave, step) = (index - Int(exactMax)).quotientAndRemainder(dividingBy: stepsPerOctave)
        let base = exactMax << octave
        return base + base * Int64(step) / Int64(stepsPerOctave) + 1
    }

    /// The largest count bin `index` holds (`Int64.max` for the last bin).
    public static func upper(_ index: Int) -> Int64 {
        if index < Int(exactMax) { return Int64(index + 1) }
        if index >= count - 1 { return .max }
        let (octave, step) = (index - Int(exactMax)).quotientAndRemainder(dividingBy: stepsPerOctave)
        let base = exactMax << octave
        return base + base * Int64(step + 1) / Int64(stepsPerOctave)
    }

    /// True when `limit` is at a bin bound, where rejected-request and affected-pair figures are exact.
    public static func isBound(_ limit: Int64) -> Bool {
        limit <= exactMax || upper(bin(of: limit)) == limit
    }
}
