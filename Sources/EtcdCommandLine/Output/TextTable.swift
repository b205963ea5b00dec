/// A table drawn as etcdctl's `-w table` draws it (olekukonko/tablewriter with right-aligned cells): a ruled box,
/// upper-case headers centred, cells right-aligned, one space of padding.
struct TextTable {
    let header: [String]
    let rows: [[String]]

    /// The table's lines, each ending in a newline.
    var text: String {
        let columns = header.indices.map { column in
            ([header[column].uppercased()] + rows.map { $0[column] }).map(\.count).max() ?? 0
        }
        let rule = "+" + columns.map { String(repeating: "-", count: $0 + 2) + "+" }.joined() + "\n"
        var out = rule
        out += "|" + header.indices.map { " " + centred(header[$0].uppercased(), columns[$0]) + " |" }.joined() + "\n"
        out += rule
        for row in rows {
            out += "|" + row.indices.map { " " + rightAligned(row[$0], columns[$0]) + " |" }.joined() + "\n"
        }
        out += rule
        return out
    }

    private func centred(_ text: String, _ width: Int) -> String {
        let gap = width - text.count
        let left = gap / 2
        return String(repeating: " ", count: left) + text + String(repeating: " ", count: gap - left)
    }

    private func rightAligned(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: width - text.count) + text
    }
}
