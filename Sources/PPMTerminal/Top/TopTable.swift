/// The columns of `top`'s table: the heading, a service's row with its
/// state and health coloured, and the figures' short forms.
enum TopTable {
    /// The widths of the columns after NAME, and their titles.
    static let columns: [(title: String, width: Int)] = [
        ("STATE", 9), ("HEALTH", 9), ("PID", 7), ("CPU%", 6), ("RSS", 8), ("UPTIME", 7), ("RESTARTS", 8), ("LAST EXIT", 11),
    ]

    /// NAME's width: the longest name, within what the other columns leave.
    static func nameWidth(_ rows: [TopRow], width: Int) -> Int {
        let others = columns.reduce(0) { $0 + $1.width + 2 }
        let longest = rows.map(\.name.count).max() ?? 4
        return max(4, min(max(longest, 4), max(8, width - others)))
    }

    static func heading(width: Int, rows: [TopRow]) -> StyledLine {
        var line = StyledLine()
        var text = padded("NAME", nameWidth(rows, width: width))
        for column in columns { text += "  " + padded(column.title, column.width) }
        line.add(text, .bold)
        return line
    }

    static func line(_ row: TopRow, width: Int, rows: [TopRow]) -> StyledLine {
        let nameWidth = nameWidth(rows, width: width)
        var line = StyledLine()
        let name = row.name.count > nameWidth ? String(row.name.prefix(nameWidth - 1)) + "…" : row.name
        line.add(padded(name, nameWidth) + "  ")
        line.add(padded(row.state, 9), stateStyle(row.state))
        line.add("  ")
        line.add(padded(row.health ?? "-", 9), row.health == "healthy" ? .green : row.health == "unhealthy" ? .red : nil)
        let cells = [
            row.pid.map { "\($0)" } ?? "-", row.cpu.map(percent) ?? "-", row.rss.map(bytes) ?? "-", row.uptime.map(duration) ?? "-",
            "\(row.restarts)",
        ]
        for (cell, column) in zip(cells, columns.dropFirst(2)) { line.add("  " + padded(cell, column.width)) }
        line.add("  ")
        line.add(row.lastExit, row.lastExit == "-" ? nil : .dim)
        return line
    }

    static func stateStyle(_ state: String) -> StyledLine.Style? {
        switch state {
        case "running": .green
        case "waiting", "stopping", "created": .yellow
        case "crashed", "fatal": .red
        case "paused": .cyan
        case "stopped", "finished", "disabled": .dim
        default: nil
        }
    }

    static func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// `12.5`, `0.0`.
    static func percent(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// `812K`, `14.2M`, `1.1G`.
    static func bytes(_ value: Int64) -> String {
        if value < 1024 * 1024 { return "\(value / 1024)K" }
        let units: [(String, Double)] = [("M", 1024 * 1024), ("G", 1024 * 1024 * 1024)]
        let (unit, size) = value < 1024 * 1024 * 1024 ? units[0] : units[1]
        let tenths = Int((Double(value) / size * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)\(unit)"
    }

    /// `3s`, `4m12s`, `2h03m`, `5d02h`.
    static func duration(_ seconds: Double) -> String {
        let s = Int(max(0, seconds))
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m\(two(s % 60))s" }
        if s < 86400 { return "\(s / 3600)h\(two(s % 3600 / 60))m" }
        return "\(s / 86400)d\(two(s % 86400 / 3600))h"
    }
}
