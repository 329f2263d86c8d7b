/// A spec as JSON with the field names of `ppm.service{}` (for `show`,
/// `ppm.get(name).spec`, persistence and export). Default values are left out.
public enum SpecJSON {
    public static func encode(_ spec: ServiceSpec) -> JSONValue {
        var o: [String: JSONValue] = ["name": .string(spec.name), "cmd": .init(spec.cmd)]
        if let v = spec.dir { o["dir"] = .string(v) }
        if !spec.env.isEmpty { o["env"] = .object(spec.env.mapValues { .string($0) }) }
        if spec.cleanEnv { o["clean_env"] = .bool(true) }
        if let v = spec.user { o["user"] = .string(v) }
        if let v = spec.group { o["group"] = .string(v) }
        if let v = spec.stdin { o["stdin"] = .string(v) }
        if let v = spec.stdout { o["stdout"] = .string(v) }
        if let v = spec.stderr { o["stderr"] = .string(v) }
        if !spec.ulimit.isEmpty {
            var u: [String: JSONValue] = [:]
            for l in spec.ulimit {
                let soft: JSONValue = l.soft.map { .int(Int64(clamping: $0)) } ?? .string("infinity")
                let hard: JSONValue = l.hard.map { .int(Int64(clamping: $0)) } ?? .string("infinity")
                u[l.name] = soft == hard ? soft : .object(["soft": soft, "hard": hard])
            }
            o["ulimit"] = .object(u)
        }
        if let v = spec.nice { o["nice"] = .init(v) }
        if !spec.cpu.isEmpty { o["cpu"] = .array(spec.cpu.map { .init($0) }) }
        if !spec.requires.isEmpty { o["requires"] = .init(spec.requires) }
        if !spec.groups.isEmpty { o["groups"] = .init(spec.groups) }
        if !spec.autostart { o["autostart"] = .bool(false) }
        if spec.startAfter > 0 { o["start_after"] = .double(spec.startAfter) }
        if spec.once { o["once"] = .bool(true) }
        if spec.wait { o["wait"] = .bool(true) }
        if spec.disabled { o["disabled"] = .bool(true) }
        if !spec.depends.isEmpty { o["depends"] = .init(spec.depends) }
        if let v = spec.bounce { o["bounce"] = .double(v) }
        if spec.stopSignal != 15 { o["stop_signal"] = .string(Signals.name(spec.stopSignal)) }
        if let v = spec.stopTimeout { o["stop_timeout"] = .double(v) }
        if spec.restart != .onFailure && spec.restart != .function { o["restart"] = .string(spec.restart.rawValue) }
        return .object(o)
    }
}
