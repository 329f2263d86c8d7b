import PPMTerminal
import Testing

@Suite struct LineBufferTests {
    @Test func editingKeys() {
        var b = LineBuffer()
        for c in "x = 1" { b.apply(.insert(c)) }
        b.apply(.home)
        b.apply(.insert("-"))
        b.apply(.end)
        b.apply(.backspace)
        #expect(b.string == "-x = ")
        b.apply(.left)
        b.apply(.left)
        b.apply(.killToEnd)
        #expect(b.string == "-x ")
        b.apply(.deleteWordBack)
        #expect(b.string == "")
        b = LineBuffer("héllo wörld")
        b.apply(.left)
        b.apply(.delete)
        b.apply(.killToStart)
        #expect(b.string == "")
        b = LineBuffer("abc")
        b.apply(.right)
        b.apply(.left)
        b.apply(.killToStart)
        #expect(b.string == "c" && b.cursor == 0)
    }
}

@Suite struct EscapeSequenceTests {
    func key(_ text: String) -> EscapeSequence.Key? { EscapeSequence.key(Array(text.utf8)) }

    @Test func homeAndEndInEveryCommonEncoding() {
        for home in ["[1~", "[7~", "[H", "OH"] { #expect(key(home) == .edit(.home), "\(home)") }
        for end in ["[4~", "[8~", "[F", "OF"] { #expect(key(end) == .edit(.end), "\(end)") }
    }

    @Test func arrowsDeleteAndModifiedKeys() {
        #expect(key("[A") == .up && key("OB") == .down)
        #expect(key("[C") == .edit(.right) && key("[1;5D") == .edit(.left))
        #expect(key("[3~") == .edit(.delete))
        #expect(key("[5~") == nil)  // Page Up: ignored, and no '~' is typed
        #expect(EscapeSequence.isFinal(UInt8(ascii: "~")) && !EscapeSequence.isFinal(UInt8(ascii: "1")))
    }
}
