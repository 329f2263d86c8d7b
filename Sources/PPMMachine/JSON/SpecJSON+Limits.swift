/// SPEC 10's cgroup limits in a spec's JSON, as `ppm.service{}` takes them:
/// sizes as text (`"64M"`), `cpu_max` as a percentage (`"150%"`), counts as
/// numbers; unset limits left out.
extension SpecJSON {
    /// The limits unset, for `full` (`check --json`).
    static let limitsDefaults: [String: JSONValue] = [
        "memory_max": .null, "memory_high": .null, "cpu_max": .null, "pids_max": .null, "io_weight": .null,
    ]

    static func encodeLimits(_ limits: CgroupLimits, into o: inout [String: JSONValue]) {
        if let v = limits.memoryMax { o["memory_max"] = .string(CgroupLimits.sizeText(v)) }
        if let v = limits.memoryHigh { o["memory_high"] = .string(CgroupLimits.sizeText(v)) }
        if let v = limits.cpuMax { o["cpu_max"] = .string(CgroupLimits.percentText(v)) }
        if let v = limits.pidsMax { o["pids_max"] = .init(v) }
        if let v = limits.ioWeight { o["io_weight"] = .init(v) }
    }

    static func decodeLimits(_ o: [String: JSONValue]) -> CgroupLimits {
        func size(_ key: String) -> Int? {
            if let n = o[key]?.intValue { return Int(n) }
            return o[key]?.stringValue.flatMap(ByteSize.bytes)
        }
        var limits = CgroupLimits()
        limits.memoryMax = size("memory_max")
        limits.memoryHigh = size("memory_high")
        if let text = o["cpu_max"]?.stringValue, text.hasSuffix("%") { limits.cpuMax = Double(text.dropLast()) }
        limits.pidsMax = o["pids_max"]?.intValue.map { Int($0) }
        limits.ioWeight = o["io_weight"]?.intValue.map { Int($0) }
        return limits
    }
}
