/// A path template such as `/guilds/{guild_id}/preview`, compiled into segments for byte-wise matching.
///
/// A `{name}` segment matches exactly one non-empty path segment; any other segment matches its bytes
/// exactly (case-sensitive, no percent-decoding). `specificity` ranks templates so that a literal segment
/// beats a parameter at the first position where two templates differ.
struct RouteTemplate: Sendable, Hashable {
    enum Segment: Sendable, Hashable {
        case literal([UInt8])
        case parameter
    }

    let segments: [Segment]
    /// One bit per segment, most significant first: 1 = literal. Higher wins among matching templates.
    let specificity: UInt64

    init(_ template: String) {
        var segments: [Segment] = []
        for part in template.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true) {
            if part.first == UInt8(ascii: "{"), part.last == UInt8(ascii: "}"), part.count >= 2 {
                segments.append(.parameter)
            } else {
                segments.append(.literal(Array(part)))
            }
        }
        self.segments = segments
        var specificity: UInt64 = 0
        for (position, segment) in segments.prefix(64).enumerated() {
            if case .literal = segment { specificity |= 1 << UInt64(63 - position) }
        }
        self.specificity = specificity
    }

    /// Whether `path` (bytes, query already removed) matches. Empty segments (`//`) never match, and one
    /// trailing slash is ignored (`/users/@me/` matches `/users/@me`). Does not allocate.
    func matches(_ path: UnsafeBufferPointer<UInt8>) -> Bool {
        let slash = UInt8(ascii: "/")
        let end = path.count
        guard end > 0, path[0] == slash else { return false }
        var index = 1
        if segments.isEmpty { return index == end }
        for segment in segments {
            guard index < end else { return false }
            var segmentEnd = index
            while segmentEnd < end, path[segmentEnd] != slash { segmentEnd += 1 }
            guard segmentEnd != index else { return false }
            switch segment {
            case .parameter:
                break
            case .literal(let bytes):
                guard bytes.count == segmentEnd - index else { return false }
                var offset = 0
                while offset < bytes.count, bytes[offset] == path[index + offset] { offset += 1 }
                guard offset == bytes.count else { return false }
            }
            index = segmentEnd
            if index < end { index += 1 }
        }
        // Done with the template: the path must be done too (one trailing slash was consumed above).
        return index == end
    }
}
