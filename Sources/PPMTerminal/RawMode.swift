import Glibc

/// The terminal settings of raw input: bytes as typed, no echo, no signals
/// from keys (Ctrl-C arrives as byte 3), no flow control, CR kept. The
/// line editor takes it while a line is typed, `top` while it runs.
enum RawMode {
    /// `original` turned raw: reads return each byte as it comes.
    static func from(_ original: termios) -> termios {
        var raw = original
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO | ISIG | IEXTEN)
        raw.c_iflag &= ~tcflag_t(IXON | ICRNL)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        return raw
    }
}
