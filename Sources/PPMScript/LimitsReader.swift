import LuaKit
import PPMMachine

/// Reads SPEC 10's cgroup limits with one-line errors naming the field:
/// `memory_max`/`memory_high` (bytes or `"512M"`), `cpu_max` (`"150%"`),
/// `pids_max` (a count), `io_weight` (1…10000). `"max"` (or `"infinity"`)
/// is no limit, as in the kernel's files.
struct LimitsReader {
    let field: FieldReader

    /// The names `ppm.service{}` takes.
    static let fields = ["memory_max", "memory_high", "cpu_max", "pids_max", "io_weight"]

    func read(_ t: LuaTable) throws -> CgroupLimits {
        var limits = CgroupLimits()
        limits.memoryMax = try memory(t["memory_max"], "memory_max")
        limits.memoryHigh = try memory(t["memory_high"], "memory_high")
        limits.cpuMax = try cpu(t["cpu_max"])
        limits.pidsMax = try pids(t["pids_max"])
        if let weight = try field.integer(t["io_weight"], "io_weight") {
            guard (1...10000).contains(weight) else {
                throw field.error("'io_weight' must be between 1 and 10000 (100 is the default), got \(weight)")
            }
            limits.ioWeight = weight
        }
        return limits
    }

    private static func unlimited(_ v: LuaValue) -> Bool {
        if case .string(let s) = v { return s == "max" || s == "infinity" }
        return false
    }

    private func memory(_ v: LuaValue, _ name: String) throws -> Int? {
        if Self.unlimited(v) { return nil }
        guard let bytes = try field.size(v, name) else { return nil }
        guard bytes >= 4096 else { throw field.error("'\(name)' must be at least 4K (one page), got \(bytes) bytes") }
        return bytes
    }

    private func cpu(_ v: LuaValue) throws -> Double? {
        switch v {
        case .nil: return nil
        case _ where Self.unlimited(v): return nil
        case .string(let s) where s.hasSuffix("%"):
            guard let percent = Double(s.dropLast().filter { $0 != " " }), percent.isFinite, percent >= 1, percent <= 100_000 else { break }
            return percent
        default: break
        }
        let got: String
        if case .string(let s) = v { got = "\"\(ConfigErrors.clip(s))\"" } else { got = v.typeName }
        throw field.error("'cpu_max' must be a percentage of one CPU such as \"50%\" or \"150%\" (at least 1%), or \"max\"; got \(got)")
    }

    private func pids(_ v: LuaValue) throws -> Int? {
        if Self.unlimited(v) { return nil }
        if case .string(let s) = v { throw field.error("'pids_max' must be a number of processes or \"max\", got \"\(ConfigErrors.clip(s))\"") }
        guard let n = try field.integer(v, "pids_max") else { return nil }
        guard n >= 1 else { throw field.error("'pids_max' must be at least 1, got \(n)") }
        return n
    }
}
