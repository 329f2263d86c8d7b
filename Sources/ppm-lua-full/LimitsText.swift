import PPMMachine
import PPMRuntime
import SystemCalls

/// A service's cgroup limits and what it uses of them, as one line for
/// `show` and `stats`: `memory_max 32M (using 12.5M), pids_max 20 (using 3),
/// cpu_max 50%`; `(not enforced here)` after a limit nothing enforces.
enum LimitsText {
    /// The line, or nil when the service sets no limit.
    static func line(_ limits: JSONValue?, verbose: Bool = true) -> String? {
        guard let limits, limits.objectValue?.isEmpty == false else { return nil }
        let unavailable = Set((limits["unavailable"]?.arrayValue ?? []).compactMap(\.stringValue))
        func mark(_ field: String) -> String { unavailable.contains(field) ? " (not enforced here)" : "" }
        func using(_ key: String, _ text: (Int64) -> String) -> String {
            guard let n = limits[key]?.intValue else { return "" }
            return verbose ? " (using \(text(n)))" : "/" + text(n)
        }
        var parts: [String] = []
        if let v = limits["memory_max"]?.intValue {
            parts.append("memory_max \(CgroupLimits.sizeText(Int(v)))" + using("memory_current", size) + mark("memory_max"))
        }
        if let v = limits["memory_high"]?.intValue { parts.append("memory_high \(CgroupLimits.sizeText(Int(v)))" + mark("memory_high")) }
        if let v = limits["cpu_max"]?.doubleValue { parts.append("cpu_max \(CgroupLimits.percentText(v))" + mark("cpu_max")) }
        if let v = limits["pids_max"]?.intValue { parts.append("pids_max \(v)" + using("pids_current", String.init) + mark("pids_max")) }
        if let v = limits["io_weight"]?.intValue { parts.append("io_weight \(v)" + mark("io_weight")) }
        if let kills = limits["oom_kills"]?.intValue, kills > 0 { parts.append("\(kills) OOM kill\(kills == 1 ? "" : "s")") }
        return parts.joined(separator: ", ")
    }

    /// Bytes as MiB with one decimal (`12.5M`).
    private static func size(_ bytes: Int64) -> String {
        DecimalText.fixed(Double(bytes) / 1_048_576, decimals: 1) + "M"
    }
}
