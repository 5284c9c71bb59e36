import Testing

@testable import EdgeMetrics

/// `/metrics`' latency histograms: flushes add up per series, buckets are cumulative, `_sum` is exact, and label
/// values are escaped.
@Suite struct PrometheusLatencyHistogramsTests {
    private func histogram(_ nanos: [Int64]) -> LatencyHistogram {
        var histogram = LatencyHistogram()
        for value in nanos { histogram.record(nanos: value) }
        return histogram
    }

    @Test func flushesAddUpIntoCumulativeBuckets() {
        let histograms = PrometheusLatencyHistograms()
        var empty = ""
        histograms.render(into: &empty)
        #expect(empty.isEmpty)  // no family before its first series

        histograms.add(histogram([150_000, 3_000_000]), to: .request, label: "users.get")
        histograms.add(histogram([3_000_000, 90_000_000_000]), to: .request, label: "users.get")
        histograms.add(histogram([1_000_000]), to: .upstream, label: "127.0.0.1:7070")
        var text = ""
        histograms.render(into: &text)
        let lines = text.split(separator: "\n").map(String.init)
        let name = "ayaka_edge_http_request_duration_seconds"
        #expect(lines.first == "# HELP \(name) Request latency at the proxy (head in to response end), by route.")
        #expect(lines.contains("# TYPE \(name) histogram"))
        #expect(lines.contains(#"\#(name)_bucket{route="users.get",le="0.0001"} 0"#))
        #expect(lines.contains(#"\#(name)_bucket{route="users.get",le="0.0002"} 1"#))
        #expect(lines.contains(#"\#(name)_bucket{route="users.get",le="0.005"} 3"#))
        #expect(lines.contains(#"\#(name)_bucket{route="users.get",le="60.0"} 3"#))
        #expect(lines.contains(#"\#(name)_bucket{route="users.get",le="+Inf"} 4"#))
        #expect(lines.contains(#"\#(name)_sum{route="users.get"} 90.00615"#))
        #expect(lines.contains(#"\#(name)_count{route="users.get"} 4"#))
        #expect(lines.contains(#"ayaka_edge_upstream_duration_seconds_count{upstream="127.0.0.1:7070"} 1"#))
        // One HELP and TYPE per family, 19 bucket lines (18 bounds and +Inf), sum and count per series.
        #expect(lines.count == 2 * (2 + 19 + 2))
    }

    @Test func labelValuesAreEscaped() {
        #expect(PrometheusLatencyHistograms.escaped("plain.name") == "plain.name")
        #expect(PrometheusLatencyHistograms.escaped("a\"b\\c\nd") == #"a\"b\\c\nd"#)
    }
}
