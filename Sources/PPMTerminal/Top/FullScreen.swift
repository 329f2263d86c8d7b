import CSystem
import Glibc
import SystemCalls

/// The terminal while `ppm-lua top` runs: raw input, the alternate screen,
/// the cursor hidden; and the way back, taken once on every exit path (a
/// key, a lost daemon, a signal: SIGINT, SIGTERM, SIGHUP and SIGWINCH come
/// through a pipe the session polls, so none of them ends the process
/// before the terminal is restored).
package final class FullScreen {
    private var original = termios()
    private var restored = false
    /// The pipe the signals arrive on (`ppm_signal_pipe`).
    package let signals: Int32

    /// Whether standard input and output are both a terminal.
    package static var isTerminal: Bool { isatty(0) == 1 && isatty(1) == 1 }

    /// Takes the terminal; nil when standard input is not a terminal.
    package init?() {
        guard tcgetattr(0, &original) == 0 else { return nil }
        var handled: [Int32] = [SIGWINCH, SIGINT, SIGTERM, SIGHUP, SIGQUIT]
        signals = ppm_signal_pipe(&handled, Int32(handled.count))
        guard signals >= 0 else { return nil }
        var raw = RawMode.from(original)
        tcsetattr(0, TCSADRAIN, &raw)
        write("\u{1b}[?1049h\u{1b}[?25l\u{1b}[H\u{1b}[2J")
    }

    deinit { restore() }

    /// Leaves the alternate screen, shows the cursor and gives the
    /// terminal its settings back (once; later calls do nothing).
    package func restore() {
        guard !restored else { return }
        restored = true
        write("\u{1b}[0m\u{1b}[?25h\u{1b}[?1049l")
        tcsetattr(0, TCSADRAIN, &original)
    }

    /// The terminal's columns and lines (80×24 when it does not say).
    package static func size() -> (width: Int, height: Int) {
        var size = winsize()
        guard ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 else { return (80, 24) }
        return (Int(size.ws_col), Int(size.ws_row))
    }

    /// Writes `text` to standard output whole (one `write(2)` unless the
    /// terminal takes less).
    package func write(_ text: String) {
        guard !text.isEmpty else { return }
        try? writeAll(1, text)
    }

    /// The signal numbers that arrived since the last call.
    package func pendingSignals() -> [Int32] {
        var found: [Int32] = []
        while true {
            let sig = ppm_signal_pipe_read(signals)
            if sig <= 0 { return found }
            found.append(sig)
        }
    }

    /// The bytes typed (up to 256), read after `poll` said there are some;
    /// empty at end of input.
    package func readKeys() -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = (try? syscall { Glibc.read(0, &buffer, buffer.count) }) ?? 0
        return Array(buffer.prefix(max(0, n)))
    }
}
