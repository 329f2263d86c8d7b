/// A spec as JSON with the field names of `ppm.service{}` (for `show`,
/// `ppm.get(name).spec`, persistence and export). Default values are left out.
package enum SpecJSON {
    package static func encode(_ spec: ServiceSpec) -> JSONValue {
        var o: [String: JSONValue] = ["name": .string(spec.name), "cmd": .init(spec.cmd)]
        if let v = spec.dir { o["dir"] = .string(v) }
        if !spec.env.isEmpty { o["env"] = .object(spec.env.mapValues { .string($0) }) }
        if !spec.envFile.isEmpty { o["env_file"] = .init(spec.envFile) }
        if spec.cleanEnv { o["clean_env"] = .bool(true) }
        if !spec.secretEnv.isEmpty { o["secret_env"] = .init(spec.secretEnv) }
        if let v = spec.user { o["user"] = .string(v) }
        if let v = spec.group { o["group"] = .string(v) }
        if spec.noNewPrivs { o["no_new_privs"] = .bool(true) }
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
        if spec.restart != .onFailure && spec.restart != .function { o["restart"] = .string(spec.restart.rawValue) }
        if let v = spec.logMaxSize { o["log_max_size"] = .init(v) }
        if let v = spec.logKeep { o["log_keep"] = .init(v) }
        if let v = spec.logTimestamps { o["log_timestamps"] = .bool(v) }
        if let v = spec.forward { o["forward"] = v == .off ? .bool(false) : .string(v.rawValue) }
        if let v = spec.instances { o["instances"] = .init(v) }
        encodeReadiness(spec, into: &o)
        encodeStopping(spec, into: &o)
        encodeLimits(spec.limits, into: &o)
        return .object(o)
    }
}

extension SpecJSON {
    /// Every field of `ppm.service{}`, defaults included (null where unset),
    /// plus `hooks`: the fields that hold Lua functions (`check --json`).
    package static func full(_ spec: ServiceSpec) -> JSONValue {
        guard case .object(var o) = encode(spec) else { return .null }
        let defaults: [String: JSONValue] = [
            "dir": .null, "env": .object([:]), "env_file": .array([]), "clean_env": .bool(false), "secret_env": .array([]), "user": .null,
            "group": .null, "no_new_privs": .bool(false),
            "stdin": .null, "stdout": .null, "stderr": .null, "ulimit": .object([:]), "nice": .null, "cpu": .array([]),
            "requires": .array([]), "groups": .array([]), "autostart": .bool(true), "start_after": .double(0),
            "once": .bool(false), "wait": .bool(false), "disabled": .bool(false), "depends": .array([]), "bounce": .null,
            "instances": .null, "forward": .null,
        ]
        let all = defaults.merging(readinessDefaults, uniquingKeysWith: { a, _ in a }).merging(stoppingDefaults, uniquingKeysWith: { a, _ in a })
            .merging(limitsDefaults, uniquingKeysWith: { a, _ in a })
        for (key, value) in all where o[key] == nil { o[key] = value }
        o["restart"] = .string(spec.restart.rawValue)
        o["hooks"] = .init(spec.scriptedFields)
        return .object(o)
    }

    /// Reads back what `encode` wrote (persisted run-time services).
    package static func decode(_ json: JSONValue) -> ServiceSpec? {
        guard let o = json.objectValue, let name = o["name"]?.stringValue,
            let cmd = o["cmd"]?.arrayValue?.compactMap(\.stringValue), !cmd.isEmpty
        else { return nil }
        var spec = ServiceSpec(name: name, cmd: cmd)
        func strings(_ key: String) -> [String] { o[key]?.arrayValue?.compactMap(\.stringValue) ?? [] }
        spec.dir = o["dir"]?.stringValue
        spec.env = o["env"]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
        spec.envFile = strings("env_file")
        spec.cleanEnv = o["clean_env"]?.boolValue ?? false
        spec.user = o["user"]?.stringValue
        spec.group = o["group"]?.stringValue
        spec.stdin = o["stdin"]?.stringValue
        spec.stdout = o["stdout"]?.stringValue
        spec.stderr = o["stderr"]?.stringValue
        spec.ulimit = (o["ulimit"]?.objectValue ?? [:]).map { name, value in
            func limit(_ v: JSONValue?) -> UInt64? { v?.intValue.map { UInt64(max(0, $0)) } }
            if let pair = value.objectValue { return ResourceLimit(name: name, soft: limit(pair["soft"]), hard: limit(pair["hard"])) }
            return ResourceLimit(name: name, soft: limit(value), hard: limit(value))
        }.sorted { $0.name < $1.name }
        spec.nice = o["nice"]?.intValue.map { Int($0) }
        spec.cpu = o["cpu"]?.arrayValue?.compactMap { $0.intValue.map { Int($0) } } ?? []
        spec.requires = strings("requires")
        spec.groups = strings("groups")
        spec.secretEnv = strings("secret_env")
        spec.autostart = o["autostart"]?.boolValue ?? true
        spec.startAfter = o["start_after"]?.doubleValue ?? 0
        spec.once = o["once"]?.boolValue ?? false
        spec.wait = o["wait"]?.boolValue ?? false
        spec.noNewPrivs = o["no_new_privs"]?.boolValue ?? false
        spec.disabled = o["disabled"]?.boolValue ?? false
        spec.depends = strings("depends")
        spec.bounce = o["bounce"]?.doubleValue
        spec.restart = o["restart"]?.stringValue.flatMap(RestartPolicy.init(rawValue:)) ?? .onFailure
        if spec.restart == .function { spec.restart = .onFailure }
        spec.logMaxSize = o["log_max_size"]?.intValue.map { Int($0) }
        spec.logKeep = o["log_keep"]?.intValue.map { Int($0) }
        spec.logTimestamps = o["log_timestamps"]?.boolValue
        spec.forward = o["forward"]?.boolValue == false ? .off : o["forward"]?.stringValue.flatMap(ForwardMode.init(setting:))
        spec.instances = o["instances"]?.intValue.map { Int($0) }
        decodeReadiness(o, into: &spec)
        decodeStopping(o, into: &spec)
        spec.limits = decodeLimits(o)
        return spec
    }
}
