/// Sizes as a config writes them: bytes, or a number with a binary unit
/// (`"512k"`, `"10M"`, `"1G"`; `K`/`KB`/`KiB` and the like are accepted).
package enum ByteSize {
    /// The size in bytes, or nil when `text` is not a size.
    package static func bytes(_ text: String) -> Int? {
        let trimmed = text.filter { $0 != " " }
        let digits = trimmed.prefix { $0.isNumber || $0 == "." }
        guard !digits.isEmpty, let number = Double(digits), number >= 0 else { return nil }
        let unit = trimmed.dropFirst(digits.count).lowercased()
        let scale: Double
        switch unit {
        case "", "b": scale = 1
        case "k", "kb", "kib": scale = 1024
        case "m", "mb", "mib": scale = 1024 * 1024
        case "g", "gb", "gib": scale = 1024 * 1024 * 1024
        default: return nil
        }
        let bytes = (number * scale).rounded()
        return bytes < 1e15 ? Int(bytes) : nil
    }
}
