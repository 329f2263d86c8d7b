import PPMTerminal
import Testing

/// The REPL's line editor fed key bytes: the line it returns and what it
/// writes to the terminal.
@Suite struct LineEditorTests {
    /// Types `keys` into an editor whose completer offers `candidates`.
    func type(_ keys: String, candidates: [String] = [], asked: ((String) -> Void)? = nil) -> (LineEditor.Input, String) {
        var written = ""
        let editor = LineEditor(
            history: [],
            completer: { text in
                asked?(text)
                return candidates
            }, output: { written += $0 })
        var bytes = Array(keys.utf8).makeIterator()
        let input = editor.read(prompt: "ppm> ", columns: 40) { bytes.next() }
        return (input, written)
    }

    @Test func tabCompletesTheOnlyCandidate() {
        var asked: [String] = []
        let (input, _) = type("x = ppm.ser\t\r", candidates: ["x = ppm.service"], asked: { asked.append($0) })
        #expect(input == .line("x = ppm.service"))
        #expect(asked == ["x = ppm.ser"])
    }

    @Test func tabCompletesTheSharedPartThenASecondTabLists() {
        let (input, written) = type("ppm.s\t\t\t\r", candidates: ["ppm.service", "ppm.settings", "ppm.signal"])
        #expect(input == .line("ppm.s"))
        let (sharing, _) = type("ppm.se\t\r", candidates: ["ppm.service", "ppm.settings"])
        #expect(sharing == .line("ppm.se"))
        let (longer, _) = type("ppm.st\t\r", candidates: ["ppm.start", "ppm.stats"])
        #expect(longer == .line("ppm.sta"))
        // First Tab: the bell; the second lists the last words in columns, then the prompt again.
        #expect(written.contains("\u{07}"))
        #expect(written.contains("\r\nservice   settings  signal\r\n"))
        #expect(written.hasSuffix("\rppm> ppm.s\u{1b}[K\r\n"))
    }

    @Test func tabCompletesBeforeTheCursorAndKeepsTheRest() {
        // Ctrl-B twice: the cursor before "()"; Tab completes "ppm.li" there.
        var asked: [String] = []
        let (input, _) = type("ppm.li()\u{02}\u{02}\t\r", candidates: ["ppm.list"], asked: { asked.append($0) })
        #expect(asked == ["ppm.li"])
        #expect(input == .line("ppm.list()"))
    }

    @Test func tabWithNothingToCompleteIndentsOrRings() {
        var asked = false
        let (indented, _) = type("\tx\r", candidates: ["never"], asked: { _ in asked = true })
        #expect(indented == .line("  x"))
        #expect(!asked)
        let (none, written) = type("zz\t\r", candidates: [])
        #expect(none == .line("zz"))
        #expect(written.contains("\u{07}"))
        // Candidates that do not extend the text (a stale answer) are ignored.
        let (stale, _) = type("abc\t\r", candidates: ["xyz"])
        #expect(stale == .line("abc"))
    }

    @Test func ctrlLClearsTheScreenAndRedrawsThePrompt() {
        let (input, written) = type("ppm.get\u{0c}\r")
        #expect(input == .line("ppm.get"))
        #expect(written.contains("\u{1b}[H\u{1b}[2J\rppm> ppm.get\u{1b}[K"))
    }

    @Test func editingHistoryAndEndOfInput() {
        var written = ""
        let editor = LineEditor(history: ["first"], output: { written += $0 })
        var bytes = Array("\u{1b}[A!\r".utf8).makeIterator()
        #expect(editor.read(prompt: "> ") { bytes.next() } == .line("first!"))
        #expect(editor.history == ["first", "first!"])
        var ctrlC = Array("ab\u{03}".utf8).makeIterator()
        #expect(editor.read(prompt: "> ") { ctrlC.next() } == .interrupt)
        var ctrlD = Array("\u{04}".utf8).makeIterator()
        #expect(editor.read(prompt: "> ") { ctrlD.next() } == .end)
        var utf8 = Array("héllo\u{7f}\u{7f}\r".utf8).makeIterator()
        #expect(editor.read(prompt: "> ") { utf8.next() } == .line("hél"))
    }

    @Test func sharedPrefixAndListing() {
        #expect(Completion.sharedPrefix(["ppm.start", "ppm.stats", "ppm.stop"]) == "ppm.st")
        #expect(Completion.sharedPrefix([]) == "")
        #expect(Completion.listing(["t.a", "t.bb", "t.c"], after: "t.", columns: 8) == "a   c\nbb\n")
    }
}
