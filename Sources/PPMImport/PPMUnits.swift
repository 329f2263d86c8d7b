/// PPM's human units: durations like `1h30m`, `2days 10s`, `500ms`, and
/// sizes like `20MiB`, `1.5 GB`.
enum PPMUnits {
    /// Seconds in a duration, or nil.
    static func seconds(_ text: String) -> Double? {
        let units: [(String, Double)] = [
            ("years", 31_536_000), ("year", 31_536_000), ("months", 2_592_000), ("month", 2_592_000),
            ("days", 86_400), ("day", 86_400), ("ms", 0.001), ("h", 3600), ("m", 60), ("s", 1),
        ]
        var rest = Substring(text.filter { $0 != " " })
        guard !rest.isEmpty else { return nil }
        var total = 0.0
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isNumber || $0 == "." }
            guard let n = Double(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.0) }) else { return rest.isEmpty ? total + n : nil }
            total += n * unit.1
            rest = rest.dropFirst(unit.0.count)
        }
        return total
    }

    /// Bytes in a size: K, M, G are powers of 1000, Ki, Mi, Gi of 1024.
    static func bytes(_ text: String) -> Int? {
        var t = Substring(text.filter { $0 != " " })
        if t.last == "B" || t.last == "b" { t = t.dropLast() }
        var scale = 1.0
        let binary = t.last == "i" || t.last == "I"
        if binary { t = t.dropLast() }
        if let unit = t.last, let power = ["k": 1.0, "m": 2.0, "g": 3.0][unit.lowercased()] {
            scale = binary ? pow1024(power) : pow1000(power)
            t = t.dropLast()
        } else if binary {
            return nil
        }
        guard let n = Double(t), n >= 0 else { return nil }
        return Int(n * scale)
    }

    private static func pow1024(_ p: Double) -> Double { p == 1 ? 1024 : p == 2 ? 1_048_576 : 1_073_741_824 }
    private static func pow1000(_ p: Double) -> Double { p == 1 ? 1000 : p == 2 ? 1_000_000 : 1_000_000_000 }
}
