package import PPMMachine
import SystemCalls

/// The text form of journal events: time, type and name in columns, then
/// the fields that apply as `key=value`; no trailing spaces.
package struct EventColumns {
    /// The TYPE column's width.
    package var typeWidth = "spawn_failed".count
    /// The NAME column's width.
    package var nameWidth = 4

    /// Columns as wide as the longest type (`spawn_failed`) and `NAME`.
    package init() {}

    /// Widens the columns for `event`.
    package mutating func fit(_ event: JSONValue) {
        typeWidth = max(typeWidth, event["type"]?.stringValue?.count ?? 0)
        nameWidth = max(nameWidth, event["name"]?.stringValue?.count ?? 1)
    }

    /// One event on one line.
    package func line(_ e: JSONValue) -> String {
        var extra: [String] = []
        for key in [
            "pid", "result", "signame", "oom", "status", "outcome", "runtime", "crashes", "error", "added", "removed", "changed", "cause", "address",
            "cmd",
            "limits",
            "reason",
        ] {
            guard let v = e[key], v != .null else { continue }
            if key == "crashes" && v.intValue == 0 { continue }
            if ["added", "removed", "changed"].contains(key), v.arrayValue?.isEmpty == true { continue }
            switch v {
            case .double(let d): extra.append("\(key)=\(DecimalText.fixed(d, decimals: 3))")
            case .string(let s): extra.append("\(key)=\(s.split(separator: "\n").first.map(String.init) ?? "")")
            default: extra.append("\(key)=\(v.text)")
            }
        }
        let time = ServiceEvent.utc(e["time"]?.doubleValue ?? 0)
        let columns = [time, padded(e["type"]?.stringValue ?? "?", to: typeWidth), padded(e["name"]?.stringValue ?? "-", to: nameWidth)]
        let text = (columns + extra).joined(separator: "  ")
        // Trimmed without reversed views: their generic metadata, made at run time, costs a third of `events`.
        var end = text.endIndex
        while end > text.startIndex, text[text.index(before: end)] == " " { end = text.index(before: end) }
        return String(text[..<end])
    }
}
