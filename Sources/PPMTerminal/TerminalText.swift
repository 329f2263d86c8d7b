/// Text from services made safe to show on a terminal: their output may
/// hold escape sequences that write the clipboard (OSC 52), set the title,
/// move the cursor or clear the screen of whoever runs `ppm-lua logs`.
package enum TerminalText {
    /// `text` with each control character but tab written visibly: C0 and
    /// DEL as `\xHH` (ESC is `\x1b`), C1 (U+0080–U+009F) as `\u{HH}`.
    package static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars {
            if isControl(u) {
                let prefix = u.value < 0x80 ? "\\x" : "\\u{"
                let digits = String(u.value, radix: 16)
                out.append(contentsOf: (prefix + (digits.count < 2 ? "0" : "") + digits + (u.value < 0x80 ? "" : "}")).unicodeScalars)
            } else {
                out.append(u)
            }
        }
        return String(out)
    }

    private static func isControl(_ u: Unicode.Scalar) -> Bool {
        (u.value < 0x20 && u.value != 0x09) || (0x7F..<0xA0).contains(u.value)
    }
}
