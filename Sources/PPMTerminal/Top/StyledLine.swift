/// One line of a full-screen frame: text in runs, some of them coloured
/// (SGR), cut or padded to the screen's width by what is visible, so the
/// escape sequences never count and a line always covers the previous one.
package struct StyledLine {
    private var runs: [(text: String, style: Style?)] = []

    /// The styles `top` uses, each with the sequence that ends only it
    /// (so a reversed selected row stays reversed across a coloured cell).
    package enum Style: Sendable {
        case green, yellow, red, cyan, dim, bold

        var on: String {
            switch self {
            case .green: "\u{1b}[32m"
            case .yellow: "\u{1b}[33m"
            case .red: "\u{1b}[31m"
            case .cyan: "\u{1b}[36m"
            case .dim: "\u{1b}[2m"
            case .bold: "\u{1b}[1m"
            }
        }

        var off: String {
            switch self {
            case .green, .yellow, .red, .cyan: "\u{1b}[39m"
            case .dim, .bold: "\u{1b}[22m"
            }
        }
    }

    /// An empty line.
    package init() {}

    /// Appends `text`, in `style` if one is given.
    package mutating func add(_ text: String, _ style: Style? = nil) {
        runs.append((text, style))
    }

    /// The line as written to the terminal: exactly `width` visible
    /// characters, reversed when `reversed` (the selected row).
    package func rendered(width: Int, reversed: Bool = false) -> String {
        var out = reversed ? "\u{1b}[7m" : ""
        var left = width
        for run in runs where left > 0 {
            let shown = run.text.count <= left ? run.text : String(run.text.prefix(left))
            left -= shown.count
            if let style = run.style { out += style.on + shown + style.off } else { out += shown }
        }
        out += String(repeating: " ", count: max(0, left))
        return reversed ? out + "\u{1b}[27m" : out
    }

    /// `text` without its escape sequences: what a terminal shows of it.
    package static func visible(_ text: String) -> String {
        var out = ""
        var inEscape = false
        for u in text.unicodeScalars {
            if inEscape {
                if (0x40...0x7E).contains(u.value) && u != "[" { inEscape = false }
            } else if u == "\u{1b}" {
                inEscape = true
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
