import Glibc
import SystemCalls

/// Reads lines from a terminal with editing, history (up/down), Tab
/// completion and Ctrl-L, in raw mode only while a line is typed.
package final class LineEditor {
    /// What one read gave.
    package enum Input: Equatable {
        case line(String)
        case interrupt, end
    }

    /// The lines entered, oldest first (up and down walk it).
    package private(set) var history: [String]
    /// The candidates for the text before the cursor: whole texts that
    /// start with it (the REPL asks the daemon's `complete` command).
    private let completer: ((String) -> [String])?
    private let output: (String) -> Void
    private var original = termios()

    /// - Parameters:
    ///   - completer: answers Tab; without one, Tab indents.
    ///   - output: where the prompt and echo go (standard output by default).
    package init(
        history: [String], completer: ((String) -> [String])? = nil,
        output: @escaping (String) -> Void = LineEditor.writeToStandardOutput
    ) {
        self.history = history
        self.completer = completer
        self.output = output
    }

    /// Reads one line from the terminal on standard input.
    package func read(prompt: String) -> Input {
        guard tcgetattr(0, &original) == 0 else { return plainRead(prompt) }
        var raw = RawMode.from(original)
        // Keys typed ahead (while a chunk ran) are kept, not flushed.
        tcsetattr(0, TCSADRAIN, &raw)
        defer { tcsetattr(0, TCSADRAIN, &original) }
        return read(prompt: prompt, columns: Self.terminalColumns(), from: Self.readStandardInput)
    }

    /// The key loop over the bytes `next` gives (nil: end of input); apart
    /// from the terminal so that tests feed it keys.
    package func read(prompt: String, columns: Int = 80, from next: () -> UInt8?) -> Input {
        var buffer = LineBuffer()
        var index = history.count
        var draft = ""
        var tabs = 0  // Tabs in a row: the second one lists the candidates
        draw(prompt, buffer)
        while let byte = next() {
            tabs = byte == 9 ? tabs + 1 : 0
            switch byte {
            case 13, 10:
                output("\r\n")
                let line = buffer.string
                if !line.isEmpty && history.last != line { history.append(line) }
                return .line(line)
            case 3:
                output("^C\r\n")
                return .interrupt
            case 4:
                if buffer.text.isEmpty {
                    output("\r\n")
                    return .end
                }
                buffer.apply(.delete)
            case 9: complete(&buffer, listing: tabs > 1, columns: columns)
            case 12: output("\u{1b}[H\u{1b}[2J")
            case 127, 8: buffer.apply(.backspace)
            case 1: buffer.apply(.home)
            case 5: buffer.apply(.end)
            case 2: buffer.apply(.left)
            case 6: buffer.apply(.right)
            case 21: buffer.apply(.killToStart)
            case 11: buffer.apply(.killToEnd)
            case 23: buffer.apply(.deleteWordBack)
            case 27:
                let key = readEscape(next).flatMap(EscapeSequence.key)
                if key == .up || key == .down {
                    if index == history.count { draft = buffer.string }
                    index = key == .up ? max(0, index - 1) : min(history.count, index + 1)
                    buffer = LineBuffer(index == history.count ? draft : history[index])
                } else if case .edit(let edit)? = key {
                    buffer.apply(edit)
                }
            default:
                if byte >= 32, let c = readCharacter(first: byte, next) { buffer.apply(.insert(c)) }
            }
            draw(prompt, buffer)
        }
        return .end
    }

    /// Tab: inserts what every candidate shares; when that adds nothing,
    /// rings the bell, or on a second Tab lists the candidates.
    private func complete(_ buffer: inout LineBuffer, listing: Bool, columns: Int) {
        let head = String(buffer.text[..<buffer.cursor])
        guard let completer, !head.allSatisfy(\.isWhitespace) else {
            buffer.apply(.insert(" "))
            buffer.apply(.insert(" "))
            return
        }
        let candidates = completer(head).filter { $0.hasPrefix(head) }
        let shared = Completion.sharedPrefix(candidates)
        if shared.count > head.count {
            for c in shared.dropFirst(head.count) { buffer.apply(.insert(c)) }
        } else if listing && candidates.count > 1 {
            output("\r\n" + Completion.listing(candidates, after: head, columns: columns).replacing("\n", with: "\r\n"))
        } else if candidates.count != 1 {
            output("\u{07}")
        }
    }

    private func plainRead(_ prompt: String) -> Input {
        output(prompt)
        return Swift.readLine().map { .line($0) } ?? .end
    }

    private func draw(_ prompt: String, _ buffer: LineBuffer) {
        var s = "\r" + prompt + buffer.string + "\u{1b}[K"
        let back = buffer.text[buffer.cursor...].reduce(0) { $0 + $1.unicodeScalars.count }
        if back > 0 { s += "\u{1b}[\(back)D" }
        output(s)
    }

    /// The bytes of an escape sequence after ESC, read whole so that none
    /// of them is inserted as text (`[1~`, `[1;5C`, `OH`).
    private func readEscape(_ next: () -> UInt8?) -> [UInt8]? {
        guard let introducer = next() else { return nil }
        var bytes = [introducer]
        switch introducer {
        case UInt8(ascii: "O"):
            guard let b = next() else { return nil }
            bytes.append(b)
        case UInt8(ascii: "["):
            while bytes.count < 16, let b = next() {
                bytes.append(b)
                if EscapeSequence.isFinal(b) { break }
            }
        default:
            return nil
        }
        return bytes
    }

    private func readCharacter(first: UInt8, _ next: () -> UInt8?) -> Character? {
        var bytes = [first]
        let extra = first >= 0xF0 ? 3 : first >= 0xE0 ? 2 : first >= 0xC0 ? 1 : 0
        for _ in 0..<extra { if let b = next() { bytes.append(b) } }
        return String(decoding: bytes, as: UTF8.self).first
    }

    private static func readStandardInput() -> UInt8? {
        var b: UInt8 = 0
        return (try? syscall { Glibc.read(0, &b, 1) }) == 1 ? b : nil
    }

    private static func terminalColumns() -> Int {
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return 80 }
        return Int(size.ws_col)
    }

    /// Writes to standard output at once (no buffering: raw mode echoes).
    package static func writeToStandardOutput(_ s: String) {
        _ = s.withCString { Glibc.write(1, $0, strlen($0)) }
    }
}
