/// A plain-text table: a header row and rows, columns padded to line up, first column left-aligned and
/// the others right-aligned. Cells never contain spaces, so a reader can split rows on whitespace.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: [String]) {
        self.header = header
    }

    mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// The table, every line indented by `indent` and ended by a newline.
    func render(indent: String = "  ") -> String {
        let all = [header] + rows
        var widths = Array(repeating: 0, count: header.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        var out = ""
        for row in all {
            var line = indent
            for (index, cell) in row.enumerated() where index < widths.count {
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                if index > 0 { line += "  " }
                line += index == 0 ? cell + padding : padding + cell
            }
            while line.last == " " { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
