/// SPEC 10's limits of a service's cgroup: `memory_max`, `memory_high`,
/// `cpu_max`, `pids_max` and `io_weight`. Nil is no limit ("max").
package struct CgroupLimits: Sendable, Equatable {
    /// `memory_max`: bytes; past them the kernel reclaims, then OOM-kills.
    package var memoryMax: Int?
    /// `memory_high`: bytes; past them the kernel throttles and reclaims.
    package var memoryHigh: Int?
    /// `cpu_max`: percent of one CPU (`"150%"` is one and a half CPUs).
    package var cpuMax: Double?
    /// `pids_max`: processes and threads the cgroup may hold.
    package var pidsMax: Int?
    /// `io_weight`: 1…10000, 100 by default (cgroup v2 `io.weight`).
    package var ioWeight: Int?

    /// No limit at all.
    package init() {}

    /// Whether no limit is set.
    package var isEmpty: Bool { self == CgroupLimits() }

    /// The fields that are set, by their `ppm.service{}` names.
    package var fieldNames: [String] {
        var names: [String] = []
        if memoryMax != nil { names.append("memory_max") }
        if memoryHigh != nil { names.append("memory_high") }
        if cpuMax != nil { names.append("cpu_max") }
        if pidsMax != nil { names.append("pids_max") }
        if ioWeight != nil { names.append("io_weight") }
        return names
    }

    /// The period `cpu_max` is enforced over: 100 ms, as systemd's `CPUQuota`.
    package static let cpuPeriodMicroseconds = 100_000

    /// The CPU time allowed per period, in µs (at least 1 ms, as the kernel wants).
    package var cpuQuotaMicroseconds: Int? {
        cpuMax.map { max(1000, Int(($0 * Double(Self.cpuPeriodMicroseconds) / 100).rounded())) }
    }

    /// A size as a config writes it: `"64M"`, `"1G"`, `"512K"`, else the bytes.
    package static func sizeText(_ bytes: Int) -> String {
        for (unit, scale) in [("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)] where bytes >= scale && bytes % scale == 0 {
            return "\(bytes / scale)\(unit)"
        }
        return "\(bytes)"
    }

    /// `"150%"`; whole percents without a fraction.
    package static func percentText(_ percent: Double) -> String {
        percent == percent.rounded() ? "\(Int(percent))%" : "\(percent)%"
    }

    /// One line for `show` and `why`: `memory_max 64M, pids_max 20`.
    package var summary: String {
        var parts: [String] = []
        if let v = memoryMax { parts.append("memory_max \(Self.sizeText(v))") }
        if let v = memoryHigh { parts.append("memory_high \(Self.sizeText(v))") }
        if let v = cpuMax { parts.append("cpu_max \(Self.percentText(v))") }
        if let v = pidsMax { parts.append("pids_max \(v)") }
        if let v = ioWeight { parts.append("io_weight \(v)") }
        return parts.joined(separator: ", ")
    }
}
