import LuaKit
import PPMMachine
import Testing

@testable import PPMScript

/// SPEC 10's cgroup limits as the config reads them: sizes, percentages,
/// counts and "max", each wrong value named in one line, and the JSON
/// (`check --json`, persistence) and Lua (`export`) forms reading back.
@Suite struct LimitsFieldTests {
    func spec(_ fields: String) throws -> ServiceSpec {
        try #require(try load(#"ppm.service { name = "w", cmd = "x", \#(fields) }"#).declared.first)
    }

    @Test func forms() throws {
        let s = try spec(#"memory_max = "512M", memory_high = 268435456, cpu_max = "150%", pids_max = 100, io_weight = 50"#)
        #expect(s.limits.memoryMax == 512 << 20 && s.limits.memoryHigh == 256 << 20)
        #expect(s.limits.cpuMax == 150 && s.limits.cpuQuotaMicroseconds == 150_000)
        #expect(s.limits.pidsMax == 100 && s.limits.ioWeight == 50)
        #expect(s.limits.fieldNames == ["memory_max", "memory_high", "cpu_max", "pids_max", "io_weight"])
        // "max" is no limit, as in the kernel's files.
        #expect(try spec(#"memory_max = "max", cpu_max = "max", pids_max = "max""#).limits.isEmpty)
        #expect(try spec(#"cpu_max = "2.5%""#).limits.cpuMax == 2.5)
        #expect(try spec("").limits.isEmpty)
    }

    @Test(arguments: [
        (#"memory_max = "lots""#, #"'memory_max' is not a size: "lots" (use bytes or a unit: 512k, 10M, 1G)"#),
        ("memory_max = -1", "'memory_max' must not be negative"),
        ("memory_high = 100", "'memory_high' must be at least 4K (one page), got 100 bytes"),
        ("memory_max = true", #"'memory_max' must be a size (bytes or text like "10M"), got boolean"#),
        (#"cpu_max = "fast""#, #"'cpu_max' must be a percentage of one CPU such as "50%" or "150%" (at least 1%), or "max"; got "fast""#),
        ("cpu_max = 50", #"'cpu_max' must be a percentage of one CPU such as "50%" or "150%" (at least 1%), or "max"; got number"#),
        (#"cpu_max = "0%""#, #"'cpu_max' must be a percentage of one CPU such as "50%" or "150%" (at least 1%), or "max"; got "0%""#),
        ("pids_max = 0", "'pids_max' must be at least 1, got 0"),
        (#"pids_max = "many""#, #"'pids_max' must be a number of processes or "max", got "many""#),
        ("io_weight = 0", "'io_weight' must be between 1 and 10000 (100 is the default), got 0"),
        ("io_weight = 20000", "'io_weight' must be between 1 and 10000 (100 is the default), got 20000"),
        ("memory_mx = 1", "unknown field 'memory_mx' (did you mean 'memory_max'?)"),
    ])
    func badValuesAreNamed(_ fields: String, _ message: String) {
        #expect(configError(#"ppm.service { name = "w", cmd = "x", \#(fields) }"#) == "ppm.lua:1: service 'w': \(message)")
    }

    @Test func jsonAndLuaFormsRoundTrip() throws {
        var spec = ServiceSpec(name: "web", cmd: ["/bin/web"])
        for field in ["memory_max", "memory_high", "cpu_max", "pids_max", "io_weight"] { #expect(SpecJSON.full(spec)[field] == .null) }
        spec.limits.memoryMax = 64 << 20
        spec.limits.memoryHigh = (48 << 20) + 1
        spec.limits.cpuMax = 50
        spec.limits.pidsMax = 20
        spec.limits.ioWeight = 300
        let json = SpecJSON.encode(spec)
        #expect(json["memory_max"] == .string("64M") && json["cpu_max"] == .string("50%") && json["pids_max"] == .int(20))
        #expect(json["memory_high"] == .string(String((48 << 20) + 1)))
        #expect(SpecJSON.decode(json) == spec)
        #expect(SpecJSON.decode(SpecJSON.full(spec)) == spec)
        let statement = SpecLua.statement(spec)
        #expect(statement.contains(#"memory_max = "64M","#) && statement.contains(#"cpu_max = "50%","#))
        #expect(try load(statement).declared.first == spec)
    }
}
