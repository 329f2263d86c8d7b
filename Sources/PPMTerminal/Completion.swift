/// How the REPL shows the candidates of a Tab: the text they all share,
/// and the words they end with, in columns.
package enum Completion {
    /// The longest text every candidate starts with ("" for none).
    package static func sharedPrefix(_ candidates: [String]) -> String {
        guard var shared = candidates.first.map(Array.init) else { return "" }
        for candidate in candidates.dropFirst() {
            let c = Array(candidate)
            var n = 0
            while n < shared.count && n < c.count && shared[n] == c[n] { n += 1 }
            shared.removeSubrange(n...)
        }
        return String(shared)
    }

    /// The candidates' last words (what follows the text before the word
    /// being completed in `head`), in columns that fit `columns`, one
    /// `\n`-ended line per row.
    package static func listing(_ candidates: [String], after head: String, columns: Int) -> String {
        let wordStart = head.count - head.reversed().prefix { $0.isLetter || $0.isNumber || $0 == "_" }.count
        let words = candidates.map { String($0.dropFirst(wordStart)) }
        let width = (words.map(\.count).max() ?? 0) + 2
        let perRow = max(1, columns / width)
        let rows = (words.count + perRow - 1) / perRow
        var text = ""
        for row in 0..<rows {
            // Down the columns first, as shells list.
            let cells = stride(from: row, to: words.count, by: rows).map { words[$0] }
            for (i, cell) in cells.enumerated() {
                text += i == cells.count - 1 ? cell : cell + String(repeating: " ", count: width - cell.count)
            }
            text += "\n"
        }
        return text
    }
}
