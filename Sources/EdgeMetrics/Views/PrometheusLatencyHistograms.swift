import Prometheus
import Synchronization

/// The latency histograms of `/metrics` (`http_request_duration_seconds` by route, `upstream_duration_seconds` by
/// upstream), kept as cumulative `LatencyHistogram`s and rendered in the text format after the registry's families.
///
/// A flushed snapshot is added in one pass over its buckets. swift-prometheus's `Histogram` takes one `record` per
/// observation (a lock and a pass over every bucket), so replaying a snapshot into it cost the metrics thread work
/// for every request of every flush. `_sum` is now the exact sum of the latencies, where the replay could only
/// count each one at its bucket's upper bound.
final class PrometheusLatencyHistograms: Sendable {
    enum Family: Int, CaseIterable {
        case request, upstream

        var name: String {
            switch self {
            case .request: "ayaka_edge_http_request_duration_seconds"
            case .upstream: "ayaka_edge_upstream_duration_seconds"
            }
        }

        var help: String {
            switch self {
            case .request: "Request latency at the proxy (head in to response end), by route."
            case .upstream: "Upstream exchange latency, by server."
            }
        }

        var label: String {
            switch self {
            case .request: "route"
            case .upstream: "upstream"
            }
        }
    }

    /// One family's series, in the order they first appeared.
    private struct Series {
        var order: [String] = []
        var histograms: [String: LatencyHistogram] = [:]
    }

    private let series = Mutex([Series](repeating: Series(), count: Family.allCases.count))

    /// Adds a flush's latencies to the series labelled `value`.
    func add(_ latency: LatencyHistogram, to family: Family, label value: String) {
        series.withLock { all in
            if all[family.rawValue].histograms[value] == nil {
                all[family.rawValue].order.append(value)
                all[family.rawValue].histograms[value] = LatencyHistogram()
            }
            all[family.rawValue].histograms[value]?.merge(latency)
        }
    }

    /// Appends every family with at least one series: `# HELP`, `# TYPE`, then per series the cumulative
    /// `_bucket` lines (`le` as swift-prometheus renders a `Duration`), `+Inf`, `_sum` in seconds and `_count`.
    func render(into text: inout String) {
        let all = series.withLock { $0 }
        for family in Family.allCases where !all[family.rawValue].order.isEmpty {
            text += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) histogram\n"
            for value in all[family.rawValue].order {
                guard let histogram = all[family.rawValue].histograms[value] else { continue }
                let label = "\(family.label)=\"\(Self.escaped(value))\""
                var cumulative: Int64 = 0
                for (index, bound) in LatencyBuckets.upperBoundsNanos.enumerated() {
                    cumulative += histogram.buckets[index]
                    let le = Duration.nanoseconds(bound).bucketRepresentation
                    text += "\(family.name)_bucket{\(label),le=\"\(le)\"} \(cumulative)\n"
                }
                text += "\(family.name)_bucket{\(label),le=\"+Inf\"} \(histogram.count)\n"
                text += "\(family.name)_sum{\(label)} \(Duration.nanoseconds(histogram.sumNanos).bucketRepresentation)\n"
                text += "\(family.name)_count{\(label)} \(histogram.count)\n"
            }
        }
    }

    /// A label value in the text format: backslash, double quote and line feed escaped.
    static func escaped(_ value: String) -> String {
        var result = ""
        for character in value {
            switch character {
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            default: result.append(character)
            }
        }
        return result
    }
}
