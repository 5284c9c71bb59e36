/// "Did you mean" for misspelt keys and variable names.
enum KeySuggestion {
    /// The candidate nearest to `word` when it is within `maxDistance` edits (Levenshtein, case-insensitive);
    /// on a tie the earlier candidate wins.
    static func nearest(to word: String, in candidates: [String], maxDistance: Int = 2) -> String? {
        var best: (candidate: String, distance: Int)? = nil
        for candidate in candidates {
            let distance = editDistance(word.lowercased(), candidate.lowercased())
            guard distance <= maxDistance, distance < (best?.distance ?? Int.max) else { continue }
            best = (candidate, distance)
        }
        return best?.candidate
    }

    /// Levenshtein distance over Unicode scalars (insertions, deletions and substitutions cost 1).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
