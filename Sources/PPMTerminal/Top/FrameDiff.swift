/// Turns successive frames into what the terminal must be sent: every line
/// after a resize (or the first time), else only the lines that changed,
/// each placed with a cursor move, as one string for one `write(2)`, so
/// the screen never shows half a frame and never flickers.
package struct FrameDiff {
    private var previous: [String] = []

    /// Nothing drawn yet.
    package init() {}

    /// Forgets what was drawn: the next frame is drawn whole (after a resize).
    package mutating func invalidate() {
        previous = []
    }

    /// The bytes that turn the screen from the last frame into `frame`
    /// (empty when nothing changed).
    package mutating func update(to frame: [String]) -> String {
        var out = ""
        let whole = previous.count != frame.count
        if whole { out += "\u{1b}[H\u{1b}[2J" }
        for (i, line) in frame.enumerated() where whole || previous[i] != line {
            out += "\u{1b}[\(i + 1);1H" + line + "\u{1b}[0m"
        }
        previous = frame
        return out
    }
}
