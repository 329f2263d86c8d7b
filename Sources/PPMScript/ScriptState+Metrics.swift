import LuaKit

/// `ppm.metric.counter/gauge/histogram` (SPEC 11): the host functions the
/// prelude's metric objects call, and the `metrics` setting.
extension ScriptState {
    func installMetrics(into functions: inout LuaTable) {
        functions["metric_define"] = lua.function("ppm.metric") { [unowned self] args in
            let kind = MetricFamily.Kind(rawValue: try args.string(1)) ?? .counter
            let name = try args.string(2)
            guard case .string(let help) = args[3] else {
                throw LuaHostError("ppm.metric.\(kind.rawValue): '\(name)' needs a help text (the second argument), got \(args[3].typeName)")
            }
            let labels = try Self.strings(args[4], "labels", of: name, kind)
            let bounds = try Self.numbers(args[5], of: name, kind)
            let family = try metrics.define(kind, name: name, help: help, labels: labels, bounds: bounds)
            return [.integer(Int64(metrics.families.firstIndex { $0 === family } ?? 0))]
        }
        functions["metric_update"] = lua.function("ppm.metric") { [unowned self] args in
            let family = try family(args)
            let op = try args.string(2)
            let amount: Double
            switch args[3] {
            case .nil where op == "inc" || op == "dec": amount = 1
            case .integer(let i): amount = Double(i)
            case .number(let d): amount = d
            default: throw LuaHostError("ppm.metric: \(family.name):\(op) takes a number, got \(args[3].typeName)")
            }
            let key = try MetricRegistry.key(family, try Self.labelValues(args[4], family))
            switch (family.kind, op) {
            case (.counter, "inc"):
                guard amount >= 0, amount.isFinite else {
                    throw LuaHostError("ppm.metric: counter '\(family.name)' only goes up: inc takes a number ≥ 0, got \(amount)")
                }
                try family.add(amount, at: key)
            case (.gauge, "inc"): try family.add(amount, at: key)
            case (.gauge, "dec"): try family.add(-amount, at: key)
            case (.gauge, "set"): try family.set(amount, at: key)
            case (.histogram, "observe"): try family.observe(amount, at: key)
            default:
                let has = ["counter": "inc", "gauge": "set, inc and dec", "histogram": "observe"][family.kind.rawValue] ?? ""
                throw LuaHostError("ppm.metric: '\(family.name)' is a \(family.kind.rawValue): it has \(has), not \(op)")
            }
            return []
        }
        functions["metric_value"] = lua.function("ppm.metric") { [unowned self] args in
            let family = try family(args)
            return [.number(family.value(at: try MetricRegistry.key(family, try Self.labelValues(args[2], family))))]
        }
    }

    private func family(_ args: LuaArguments) throws -> MetricFamily {
        let id = Int(try args.integer(1))
        guard metrics.families.indices.contains(id) else { throw LuaHostError("ppm.metric: not a metric of this Lua state") }
        return metrics.families[id]
    }

    /// `metrics = {...}`: read from the config only, since the endpoint starts with the daemon.
    func metricsSettings(_ value: LuaValue) throws -> MetricsSettings? {
        switch value {
        case .nil: return nil
        case .table where attached != nil:
            throw LuaHostError("ppm.settings: 'metrics' is read from the config when the daemon starts; restart the daemon to change it")
        case .table(let t): return try MetricsSettings(t)
        case let v: throw LuaHostError("ppm.settings: 'metrics' must be a table { address = \"HOST:PORT\" }, got \(v.typeName)")
        }
    }

    private static func strings(_ value: LuaValue, _ what: String, of name: String, _ kind: MetricFamily.Kind) throws -> [String] {
        switch value {
        case .nil: return []
        case .table(let t) where t.isSequence && t.sequence.allSatisfy({ $0.stringValue != nil }): return t.sequence.compactMap(\.stringValue)
        default: throw LuaHostError("ppm.metric.\(kind.rawValue): '\(name)': \(what) must be a list of names, e.g. {\"method\", \"status\"}")
        }
    }

    private static func numbers(_ value: LuaValue, of name: String, _ kind: MetricFamily.Kind) throws -> [Double]? {
        switch value {
        case .nil: return nil
        case .table(let t) where t.isSequence && t.sequence.allSatisfy({ $0.numberValue != nil }): return t.sequence.compactMap(\.numberValue)
        default: throw LuaHostError("ppm.metric.\(kind.rawValue): '\(name)': buckets must be a list of numbers, e.g. {0.1, 0.5, 1}")
        }
    }

    /// A label table's values as text (strings, numbers and booleans).
    private static func labelValues(_ value: LuaValue, _ family: MetricFamily) throws -> [String: String] {
        switch value {
        case .nil: return [:]
        case .table(let t):
            var result: [String: String] = [:]
            for (k, v) in t.entries {
                guard let key = k.stringValue else { throw LuaHostError("ppm.metric: '\(family.name)': labels must be a table {name = value}") }
                switch v {
                case .string(let s): result[key] = s
                case .integer(let i): result[key] = String(i)
                case .number(let d): result[key] = String(d)
                case .boolean(let b): result[key] = String(b)
                default: throw LuaHostError("ppm.metric: '\(family.name)': label '\(key)' must be a string or a number, got \(v.typeName)")
                }
            }
            return result
        default: throw LuaHostError("ppm.metric: '\(family.name)': labels must be a table {name = value}, got \(value.typeName)")
        }
    }
}
