/// Durations as SPEC 5.1 writes them: a number of seconds or text with a
/// unit (`ms s m h d`), e.g. `"500ms"`, `"5m"`, `"1.5h"`.
package enum Durations {
    private static let units: [(suffix: String, scale: Double)] =
        [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]

    /// Seconds for `text`, or nil when it is not a duration.
    package static func seconds(_ text: String) -> Double? {
        let t = text.filter { $0 != " " }
        for unit in units where t.hasSuffix(unit.suffix) {
            // "1e308d" is a finite number but not a finite duration.
            return number(t.dropLast(unit.suffix.count)).map { $0 * unit.scale }.flatMap { $0.isFinite ? $0 : nil }
        }
        return number(Substring(t))
    }

    private static func number(_ text: Substring) -> Double? {
        guard let first = text.first, first.isNumber || first == "." else { return nil }
        guard let v = Double(text), v.isFinite else { return nil }
        return v
    }
}
