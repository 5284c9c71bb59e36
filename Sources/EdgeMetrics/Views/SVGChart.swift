/// A line chart rendered as inline SVG (well-formed XML): axes, a y-axis maximum, start/end times, one
/// `<polyline>` per series and a legend. No script, no external resource.
struct SVGChart {
    struct Series {
        var name: String
        var color: String
        var values: [Double]
    }

    static let width = 720.0
    static let height = 200.0
    static let left = 56.0, right = 12.0, top = 12.0, bottom = 28.0

    var title: String
    var unit: String
    var series: [Series]
    /// Seconds since the epoch of the first and last point, for the x-axis labels.
    var startTime: Int64
    var endTime: Int64

    func render() -> String {
        let plotWidth = Self.width - Self.left - Self.right
        let plotHeight = Self.height - Self.top - Self.bottom
        let largest = series.flatMap(\.values).max() ?? 0
        let yMax = Self.niceCeiling(largest)
        let c = Self.coordinate
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="\(Int(Self.width))" \
            height="\(Int(Self.height))" viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" role="img" \
            aria-label="\(HTML.escape(title))">
            <title>\(HTML.escape(title))</title>
            <rect x="\(c(Self.left))" y="\(c(Self.top))" width="\(c(plotWidth))" height="\(c(plotHeight))" \
            class="plot"/>
            <line x1="\(c(Self.left))" y1="\(c(Self.top + plotHeight / 2))" x2="\(c(Self.left + plotWidth))" \
            y2="\(c(Self.top + plotHeight / 2))" class="grid"/>
            <text x="\(c(Self.left - 6))" y="\(c(Self.top + 10))" class="axis" \
            text-anchor="end">\(Self.label(yMax))</text>
            <text x="\(c(Self.left - 6))" y="\(c(Self.top + plotHeight / 2 + 4))" class="axis" \
            text-anchor="end">\(Self.label(yMax / 2))</text>
            <text x="\(c(Self.left - 6))" y="\(c(Self.top + plotHeight))" class="axis" text-anchor="end">0</text>
            <text x="\(c(Self.left))" y="\(c(Self.height - 8))" \
            class="axis">\(Formatting.clock(seconds: startTime))</text>
            <text x="\(c(Self.left + plotWidth))" y="\(c(Self.height - 8))" class="axis" \
            text-anchor="end">\(Formatting.clock(seconds: endTime)) UTC</text>
            <text x="\(c(Self.left + plotWidth / 2))" y="\(c(Self.height - 8))" class="axis" \
            text-anchor="middle">\(HTML.escape(unit))</text>

            """
        for item in series {
            let count = max(1, item.values.count - 1)
            let points = item.values.enumerated().map { index, value -> String in
                let x = Self.left + plotWidth * Double(index) / Double(count)
                let y = Self.top + plotHeight - (yMax > 0 ? plotHeight * min(value, yMax) / yMax : 0)
                return "\(Self.coordinate(x)),\(Self.coordinate(y))"
            }.joined(separator: " ")
            svg += "<polyline class=\"series\" fill=\"none\" stroke=\"\(item.color)\" stroke-width=\"1.5\" "
                + "points=\"\(points)\"><title>\(HTML.escape(item.name))</title></polyline>\n"
        }
        var legendX = Self.left + 8
        for item in series {
            svg += "<rect x=\"\(Self.coordinate(legendX))\" y=\"\(Self.coordinate(Self.top + 6))\" "
                + "width=\"10\" height=\"3\" fill=\"\(item.color)\"/>"
            svg += "<text x=\"\(Self.coordinate(legendX + 14))\" y=\"\(Self.coordinate(Self.top + 12))\" "
                + "class=\"legend\">\(HTML.escape(item.name))</text>\n"
            legendX += 14 + Double(item.name.count) * 7 + 16
        }
        svg += "</svg>"
        return svg
    }

    /// The smallest 1, 2 or 5 × 10^n at or above `value`; 1 for an all-zero chart.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        var magnitude = 1.0
        while magnitude * 10 <= value { magnitude *= 10 }
        while magnitude > value { magnitude /= 10 }
        for factor in [1.0, 2.0, 5.0, 10.0] where factor * magnitude >= value { return factor * magnitude }
        return 10 * magnitude
    }

    static func label(_ value: Double) -> String {
        value >= 10 || value == value.rounded() ? "\(Int(value.rounded()))" : Formatting.decimal(value)
    }

    static func coordinate(_ value: Double) -> String {
        Formatting.decimal(value, digits: 1)
    }
}

/// HTML/XML text escaping.
enum HTML {
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}
