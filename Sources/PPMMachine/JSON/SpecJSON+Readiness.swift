/// SPEC 9's fields in a spec's JSON (`show`, `ppm.get(name).spec`,
/// persisted run-time services): written as `ppm.service{}` takes them,
/// defaults left out; Lua functions are not written (`hooks` names them).
extension SpecJSON {
    /// SPEC 9's fields at their defaults, for `full` (`check --json`).
    static let readinessDefaults: [String: JSONValue] = [
        "ready": .string("started"), "ready_timeout": .double(ServiceSpec.defaultReadyTimeout),
        "ready_every": .double(ServiceSpec.defaultReadyEvery), "health": .null, "watchdog": .null,
    ]

    static func encodeReadiness(_ spec: ServiceSpec, into o: inout [String: JSONValue]) {
        switch spec.ready {
        case .started: break
        case .notify: o["ready"] = .string("notify")
        case .fd(let n): o["ready"] = .object(["fd": .init(n)])
        case .log(let pattern): o["ready"] = .object(["log": .string(pattern)])
        case .probe(let probe): if let p = encode(probe) { o["ready"] = .object(p) }
        }
        if spec.readyTimeout != ServiceSpec.defaultReadyTimeout { o["ready_timeout"] = .double(spec.readyTimeout) }
        if spec.readyEvery != ServiceSpec.defaultReadyEvery { o["ready_every"] = .double(spec.readyEvery) }
        if let health = spec.health, var h = encode(health.probe) {
            h["every"] = .double(health.every)
            h["timeout"] = .double(health.timeout)
            h["failures"] = .init(health.failures)
            h["start_period"] = .double(health.startPeriod)
            o["health"] = .object(h)
        }
        if let v = spec.watchdog { o["watchdog"] = .double(v) }
        if !spec.requireConditions.isEmpty {
            o["require_conditions"] = .object(spec.requireConditions.mapValues { .string($0.rawValue) })
        }
    }

    private static func encode(_ probe: Probe) -> [String: JSONValue]? {
        switch probe {
        case .tcp(let a): ["tcp": .string(a)]
        case .http(let u): ["http": .string(u)]
        case .exec(let argv): ["exec": .init(argv)]
        case .function: nil
        }
    }

    static func decodeReadiness(_ o: [String: JSONValue], into spec: inout ServiceSpec) {
        if o["ready"]?.stringValue == "notify" { spec.ready = .notify }
        if let r = o["ready"]?.objectValue {
            if let n = r["fd"]?.intValue { spec.ready = .fd(Int32(clamping: n)) }
            if let p = r["log"]?.stringValue { spec.ready = .log(p) }
            if let probe = decodeProbe(r) { spec.ready = .probe(probe) }
        }
        spec.readyTimeout = o["ready_timeout"]?.doubleValue ?? spec.readyTimeout
        spec.readyEvery = o["ready_every"]?.doubleValue ?? spec.readyEvery
        if let h = o["health"]?.objectValue, let probe = decodeProbe(h) {
            var health = HealthSpec(probe: probe)
            health.every = h["every"]?.doubleValue ?? health.every
            health.timeout = h["timeout"]?.doubleValue ?? health.timeout
            health.failures = h["failures"]?.intValue.map { Int($0) } ?? health.failures
            health.startPeriod = h["start_period"]?.doubleValue ?? health.startPeriod
            spec.health = health
        }
        spec.watchdog = o["watchdog"]?.doubleValue
        spec.requireConditions = (o["require_conditions"]?.objectValue ?? [:]).compactMapValues {
            $0.stringValue.flatMap(RequireCondition.init(rawValue:))
        }
    }

    private static func decodeProbe(_ o: [String: JSONValue]) -> Probe? {
        if let a = o["tcp"]?.stringValue { return .tcp(a) }
        if let u = o["http"]?.stringValue { return .http(u) }
        if let argv = o["exec"]?.arrayValue?.compactMap(\.stringValue), !argv.isEmpty { return .exec(argv) }
        return nil
    }
}
