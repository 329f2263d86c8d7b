/// The keys a terminal sends as escape sequences, in the encodings common
/// terminals use: xterm (`ESC [ H`), application mode (`ESC O H`), and the
/// VT220 style of tmux, screen and the Linux console (`ESC [ 1 ~`).
package enum EscapeSequence {
    /// A key the line editor acts on.
    package enum Key: Equatable {
        case up, down
        case edit(LineBuffer.Key)
    }

    /// Whether `byte` ends a sequence after `ESC [` (parameters are digits and `;`).
    package static func isFinal(_ byte: UInt8) -> Bool { (0x40...0x7E).contains(byte) }

    /// The key for the bytes after ESC (`[1~`, `OH`, `[1;5C`…); nil for keys
    /// the editor ignores, which are then dropped whole.
    package static func key(_ bytes: [UInt8]) -> Key? {
        guard let introducer = bytes.first, let final = bytes.last, bytes.count >= 2 else { return nil }
        let parameters = String(decoding: bytes.dropFirst().dropLast(), as: UTF8.self)
        switch (introducer, final) {
        case (UInt8(ascii: "["), UInt8(ascii: "~")):
            switch parameters.split(separator: ";").first ?? "" {
            case "1", "7": return .edit(.home)
            case "4", "8": return .edit(.end)
            case "3": return .edit(.delete)
            default: return nil
            }
        case (UInt8(ascii: "["), _), (UInt8(ascii: "O"), _):
            switch final {
            case UInt8(ascii: "A"): return .up
            case UInt8(ascii: "B"): return .down
            case UInt8(ascii: "C"): return .edit(.right)
            case UInt8(ascii: "D"): return .edit(.left)
            case UInt8(ascii: "H"): return .edit(.home)
            case UInt8(ascii: "F"): return .edit(.end)
            default: return nil
            }
        default:
            return nil
        }
    }
}
