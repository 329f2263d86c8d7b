/// systemd's resource-control settings as SPEC 10's cgroup limits:
/// `MemoryMax=` (and the older `MemoryLimit=`) → `memory_max`, `MemoryHigh=`
/// → `memory_high`, `CPUQuota=` → `cpu_max`, `TasksMax=` → `pids_max`,
/// `IOWeight=` → `io_weight`. `infinity` is no limit (nothing to write);
/// a percentage of the machine's memory or tasks is kept as a comment.
extension SystemdService {
    /// The keys read here.
    static let limitKeys: Set<String> = ["MemoryMax", "MemoryLimit", "MemoryHigh", "CPUQuota", "TasksMax", "IOWeight"]

    func cgroupLimits(into block: inout ServiceBlock, skip: (SystemdUnit.Entry, String) -> Void) {
        for (key, field) in [("MemoryLimit", "memory_max"), ("MemoryMax", "memory_max"), ("MemoryHigh", "memory_high")] {
            guard let e = unit.last("Service", key), e.value != "infinity", !e.value.isEmpty else { continue }
            if let size = Self.size(e.value) {
                block.set(field, .string(size))
            } else {
                skip(e, "ppm-lua takes \(field) as bytes or K/M/G, not a share of the machine's memory")
            }
        }
        if let e = unit.last("Service", "CPUQuota"), !e.value.isEmpty {
            let number = e.value.hasSuffix("%") ? Double(e.value.dropLast()) : nil
            if let number, number >= 1 { block.set("cpu_max", .string(e.value)) } else { skip(e, "not a percentage of one CPU of at least 1%") }
        }
        if let e = unit.last("Service", "TasksMax"), e.value != "infinity", !e.value.isEmpty {
            if let n = Int(e.value), n >= 1 { block.set("pids_max", .int(n)) } else { skip(e, "ppm-lua takes pids_max as a number of tasks") }
        }
        if let e = unit.last("Service", "IOWeight"), !e.value.isEmpty {
            if let n = Int(e.value), (1...10000).contains(n) { block.set("io_weight", .int(n)) } else { skip(e, "not a weight 1…10000") }
        }
    }

    /// `512M`, `1G`, `4096` (systemd's base-1024 suffixes); nil for a percentage or a `T`.
    static func size(_ value: String) -> String? {
        let digits = value.prefix { $0.isNumber }
        guard !digits.isEmpty, let number = Int(digits) else { return nil }
        let unit = value.dropFirst(digits.count)
        switch unit {
        case "": return number >= 4096 ? String(number) : nil
        case "K", "M", "G": return "\(number)\(unit)"
        case "T": return "\(number * 1024)G"
        default: return nil
        }
    }
}
