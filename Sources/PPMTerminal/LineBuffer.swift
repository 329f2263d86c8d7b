/// The text being typed at the REPL prompt and the keys that edit it
/// (emacs-style, as readline): pure, so it is tested without a terminal.
package struct LineBuffer: Equatable {
    /// The characters typed.
    package private(set) var text: [Character] = []
    /// Where the next character goes: 0 (before the first) to `text.count`.
    package private(set) var cursor = 0

    /// A buffer holding `text`, the cursor at its end.
    package init(_ text: String = "") {
        self.text = Array(text)
        cursor = self.text.count
    }

    /// The text as a string.
    package var string: String { String(text) }

    /// A key the buffer understands.
    package enum Key: Equatable {
        case insert(Character)
        case backspace, delete, left, right, home, end, killToStart, killToEnd, deleteWordBack
    }

    /// Edits the text (or moves the cursor) as `key` says.
    package mutating func apply(_ key: Key) {
        switch key {
        case .insert(let c):
            text.insert(c, at: cursor)
            cursor += 1
        case .backspace where cursor > 0:
            cursor -= 1
            text.remove(at: cursor)
        case .delete where cursor < text.count:
            text.remove(at: cursor)
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(text.count, cursor + 1)
        case .home: cursor = 0
        case .end: cursor = text.count
        case .killToStart:
            text.removeSubrange(0..<cursor)
            cursor = 0
        case .killToEnd:
            text.removeSubrange(cursor...)
        case .deleteWordBack:
            var start = cursor
            while start > 0 && text[start - 1] == " " { start -= 1 }
            while start > 0 && text[start - 1] != " " { start -= 1 }
            text.removeSubrange(start..<cursor)
            cursor = start
        default: break
        }
    }
}
