import Glibc

/// The text being typed at the REPL prompt and the keys that edit it
/// (emacs-style, as readline): pure, so it is tested without a terminal.
public struct LineBuffer: Equatable {
    public private(set) var text: [Character] = []
    public private(set) var cursor = 0

    public init(_ text: String = "") {
        self.text = Array(text)
        cursor = self.text.count
    }

    public var string: String { String(text) }

    /// A key the buffer understands.
    public enum Key: Equatable {
        case insert(Character), backspace, delete, left, right, home, end, killToStart, killToEnd, deleteWordBack
    }

    public mutating func apply(_ key: Key) {
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

/// Reads lines from a terminal with editing and history (up/down), in raw
/// mode only while a line is typed.
public final class LineEditor {
    /// What one read gave.
    public enum Input: Equatable { case line(String), interrupt, end }

    public private(set) var history: [String]
    private var original = termios()

    public init(history: [String]) { self.history = history }

    public func read(prompt: String) -> Input {
        guard tcgetattr(0, &original) == 0 else { return plainRead(prompt) }
        var raw = original
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        tcsetattr(0, TCSAFLUSH, &raw)
        defer { tcsetattr(0, TCSAFLUSH, &original) }
        var buffer = LineBuffer()
        var index = history.count
        var draft = ""
        draw(prompt, buffer)
        while let byte = readByte() {
            switch byte {
            case 13, 10:
                out("\r\n")
                let line = buffer.string
                if !line.isEmpty && history.last != line { history.append(line) }
                return .line(line)
            case 3:
                out("^C\r\n")
                return .interrupt
            case 4:
                if buffer.text.isEmpty {
                    out("\r\n")
                    return .end
                }
                buffer.apply(.delete)
            case 127, 8: buffer.apply(.backspace)
            case 1: buffer.apply(.home)
            case 5: buffer.apply(.end)
            case 2: buffer.apply(.left)
            case 6: buffer.apply(.right)
            case 21: buffer.apply(.killToStart)
            case 11: buffer.apply(.killToEnd)
            case 23: buffer.apply(.deleteWordBack)
            case 27:
                let key = readEscape().flatMap(EscapeSequence.key)
                if key == .up || key == .down {
                    if index == history.count { draft = buffer.string }
                    index = key == .up ? max(0, index - 1) : min(history.count, index + 1)
                    buffer = LineBuffer(index == history.count ? draft : history[index])
                } else if case .edit(let edit)? = key {
                    buffer.apply(edit)
                }
            default:
                if byte >= 32, let c = readCharacter(first: byte) { buffer.apply(.insert(c)) }
            }
            draw(prompt, buffer)
        }
        return .end
    }

    private func plainRead(_ prompt: String) -> Input {
        out(prompt)
        return Swift.readLine().map { .line($0) } ?? .end
    }

    private func draw(_ prompt: String, _ buffer: LineBuffer) {
        var s = "\r" + prompt + buffer.string + "\u{1b}[K"
        let back = buffer.text[buffer.cursor...].reduce(0) { $0 + $1.unicodeScalars.count }
        if back > 0 { s += "\u{1b}[\(back)D" }
        out(s)
    }

    private func readByte() -> UInt8? {
        var b: UInt8 = 0
        while true {
            let n = Glibc.read(0, &b, 1)
            if n == 1 { return b }
            if n < 0 && errno == EINTR { continue }
            return nil
        }
    }

    /// The bytes of an escape sequence after ESC, read whole so that none
    /// of them is inserted as text (`[1~`, `[1;5C`, `OH`).
    private func readEscape() -> [UInt8]? {
        guard let introducer = readByte() else { return nil }
        var bytes = [introducer]
        switch introducer {
        case UInt8(ascii: "O"):
            guard let b = readByte() else { return nil }
            bytes.append(b)
        case UInt8(ascii: "["):
            while bytes.count < 16, let b = readByte() {
                bytes.append(b)
                if EscapeSequence.isFinal(b) { break }
            }
        default:
            return nil
        }
        return bytes
    }

    private func readCharacter(first: UInt8) -> Character? {
        var bytes = [first]
        let extra = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : 0
        for _ in 0..<extra { if let b = readByte() { bytes.append(b) } }
        return String(decoding: bytes, as: UTF8.self).first
    }

    private func out(_ s: String) {
        _ = s.withCString { Glibc.write(1, $0, strlen($0)) }
    }
}
