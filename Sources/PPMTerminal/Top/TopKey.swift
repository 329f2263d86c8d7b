/// A key `ppm-lua top` acts on, read from the terminal's bytes.
package enum TopKey: Equatable, Sendable {
    case up, down, enter, escape, backspace
    /// Ctrl-C (raw mode: no SIGINT is raised).
    case interrupt
    /// A printable character.
    case character(Character)

    /// The keys in `bytes` (what one read gave); escape sequences of keys
    /// `top` ignores are dropped whole, a lone ESC is `escape`.
    package static func parse(_ bytes: [UInt8]) -> [TopKey] {
        var keys: [TopKey] = []
        var i = 0
        while i < bytes.count {
            let byte = bytes[i]
            i += 1
            switch byte {
            case 3: keys.append(.interrupt)
            case 13, 10: keys.append(.enter)
            case 127, 8: keys.append(.backspace)
            case 27:
                guard i < bytes.count, bytes[i] == UInt8(ascii: "[") || bytes[i] == UInt8(ascii: "O") else {
                    keys.append(.escape)
                    continue
                }
                var sequence = [bytes[i]]
                i += 1
                while i < bytes.count, sequence.count < 16 {
                    let b = bytes[i]
                    i += 1
                    sequence.append(b)
                    if sequence[0] == UInt8(ascii: "O") || EscapeSequence.isFinal(b) { break }
                }
                switch EscapeSequence.key(sequence) {
                case .up?: keys.append(.up)
                case .down?: keys.append(.down)
                default: break
                }
            case 32..<127: keys.append(.character(Character(Unicode.Scalar(byte))))
            case 0xC0...0xF7:
                let extra = byte >= 0xF0 ? 3 : byte >= 0xE0 ? 2 : 1
                let end = min(bytes.count, i + extra)
                if let c = String(decoding: bytes[(i - 1)..<end], as: UTF8.self).first { keys.append(.character(c)) }
                i = end
            default: break
            }
        }
        return keys
    }
}
