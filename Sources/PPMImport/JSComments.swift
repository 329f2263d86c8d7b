/// pm2 reads `process.json` as a JavaScript expression, so such files carry
/// `// …` and `/* … */` comments that JSON does not allow. They are blanked
/// out here (outside string literals), newlines kept, so that line numbers
/// in errors stay those of the file.
enum JSComments {
    /// `text` with its JavaScript comments replaced by spaces.
    static func blanked(_ text: String) -> String {
        var out: [UInt8] = []
        let bytes = Array(text.utf8)
        out.reserveCapacity(bytes.count)
        var i = 0
        var quote: UInt8?
        while i < bytes.count {
            let b = bytes[i]
            if let q = quote {
                out.append(b)
                if b == UInt8(ascii: "\\"), i + 1 < bytes.count {
                    out.append(bytes[i + 1])
                    i += 2
                    continue
                }
                if b == q || b == 0x0A { quote = nil }
                i += 1
            } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                quote = b
                out.append(b)
                i += 1
            } else if b == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "/") {
                while i < bytes.count, bytes[i] != 0x0A {
                    out.append(0x20)
                    i += 1
                }
            } else if b == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "*") {
                out += [0x20, 0x20]
                i += 2
                while i < bytes.count, !(bytes[i] == UInt8(ascii: "*") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "/")) {
                    out.append(bytes[i] == 0x0A ? 0x0A : 0x20)
                    i += 1
                }
                if i < bytes.count {
                    out += [0x20, 0x20]
                    i += 2
                }
            } else {
                out.append(b)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
