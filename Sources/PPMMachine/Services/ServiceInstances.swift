/// `instances = N` (SPEC 10): a declared spec that is a template of N copies
/// `NAME@1` … `NAME@N`, all in group `NAME`. Pure: the daemon expands the
/// config's templates with the counts it runs (the config's, or a persisted
/// `scale`), and `scale` adds or removes only the difference.
package enum ServiceInstances {
    /// The most copies one template may have (`instances`, `scale`).
    package static let maximum = 1000

    /// The name of copy `number` of `template` (`web@2`).
    package static func name(_ template: String, _ number: Int) -> String { "\(template)@\(number)" }

    /// The template and number a copy's name holds (`web@2` → `web`, 2); nil for other names.
    package static func split(_ name: String) -> (template: String, number: Int)? {
        guard let at = name.lastIndex(of: "@"), at != name.startIndex,
            let number = Int(name[name.index(after: at)...]), number >= 1
        else { return nil }
        return (String(name[..<at]), number)
    }

    /// Copy `number` of `template`: named `NAME@number`, in group `NAME`,
    /// `%i` replaced by the number in `cmd`, `env` values, `dir`, `stdout`
    /// and `stderr` (`%%` is a `%` there, as in systemd units), and
    /// `PPM_INSTANCE` in its environment.
    package static func copy(_ number: Int, of template: ServiceSpec) -> ServiceSpec {
        var spec = template
        let n = String(number)
        func expand(_ text: String) -> String { substitute(text, number: n) }
        spec.name = name(template.name, number)
        spec.instances = nil
        spec.instance = number
        spec.cmd = template.cmd.map(expand)
        spec.env = template.env.mapValues(expand)
        spec.env["PPM_INSTANCE"] = n
        spec.dir = template.dir.map(expand)
        spec.stdout = template.stdout.map(expand)
        spec.stderr = template.stderr.map(expand)
        if !spec.groups.contains(template.name) { spec.groups.append(template.name) }
        return spec
    }

    /// The copies `range` of `template`, in order.
    package static func copies(_ range: ClosedRange<Int>, of template: ServiceSpec) -> [ServiceSpec] {
        range.map { copy($0, of: template) }
    }

    /// The services a config's declared specs stand for: each template
    /// becomes its copies (`counts` by template name, else its `instances`);
    /// a `requires` naming a template names its copies. Other specs are kept.
    package static func expand(_ declared: [ServiceSpec], counts: [String: Int] = [:]) -> [ServiceSpec] {
        resolvingRequires(declared, counts: counts).flatMap { spec in
            spec.instances.map { copies(1...max(1, counts[spec.name] ?? $0), of: spec) } ?? [spec]
        }
    }

    /// The declared specs, templates kept, with a `requires` that names a
    /// template naming its copies instead (those `counts` says it runs).
    package static func resolvingRequires(_ declared: [ServiceSpec], counts: [String: Int] = [:]) -> [ServiceSpec] {
        var copiesOf: [String: [String]] = [:]
        for spec in declared {
            guard let configured = spec.instances else { continue }
            copiesOf[spec.name] = (1...max(1, counts[spec.name] ?? configured)).map { name(spec.name, $0) }
        }
        guard !copiesOf.isEmpty else { return declared }
        return declared.map { original in
            guard original.requires.contains(where: { copiesOf[$0] != nil }) else { return original }
            var spec = original
            spec.requires = []
            for r in original.requires {
                guard let names = copiesOf[r] else {
                    spec.requires.append(r)
                    continue
                }
                spec.requires += names
                if let condition = spec.requireConditions.removeValue(forKey: r) {
                    for n in names { spec.requireConditions[n] = condition }
                }
            }
            return spec
        }
    }

    /// `text` with `%i` replaced by `number` and `%%` by `%`; any other `%` is kept.
    static func substitute(_ text: String, number: String) -> String {
        guard text.contains("%") else { return text }
        var out = ""
        var percent = false
        for c in text {
            if percent {
                percent = false
                switch c {
                case "i": out += number
                case "%": out.append("%")
                default:
                    out.append("%")
                    out.append(c)
                }
            } else if c == "%" {
                percent = true
            } else {
                out.append(c)
            }
        }
        if percent { out.append("%") }
        return out
    }
}
