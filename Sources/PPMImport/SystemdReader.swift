/// Reads systemd `.service` units (SPEC 10) and translates them together:
/// `Requires=`, `After=`, `Wants=` and `Before=` between the imported units
/// order the services (what a unit needs comes first), and `Requires=`
/// becomes `requires` (or, on a oneshot unit, its `wait = true`).
struct SystemdReader {
    /// The units, in the order given.
    let units: [SystemdUnit]

    /// Parses each `(path, text)`.
    init(files: [(path: String, text: String)]) throws(ImportError) {
        var units: [SystemdUnit] = []
        for (path, text) in files {
            let unit = try SystemdUnit(file: path, text: text)
            guard !unit.name.isEmpty, !unit.name.hasSuffix("@") else {
                throw ImportError(path, line: nil, "a template unit (NAME@.service) cannot be imported; import an instance such as NAME@1.service")
            }
            guard !units.contains(where: { $0.name == unit.name }) else { throw ImportError(path, line: nil, "unit '\(unit.name)' is given twice") }
            units.append(unit)
        }
        self.units = units
    }

    func read() throws(ImportError) -> LuaConfig {
        let names = Set(units.map(\.name))
        let oneshots = Set(units.filter { $0.last("Service", "Type")?.value == "oneshot" }.map(\.name))
        var config = LuaConfig()
        for unit in ordered() {
            let service = SystemdService(unit: unit, imported: names, oneshots: oneshots)
            config.blocks.append(.service(try service.translate()))
        }
        config.header = [
            "systemd units in the order they need each other (Requires=, After=, Wants=, Before=).",
            "A unit's output is captured to <home>/logs/NAME.out.log and NAME.err.log unless",
            "StandardOutput=file:… / append:… named a file.",
        ]
        return config
    }

    /// The units with each one after those it needs or follows (Kahn's
    /// algorithm, ties in the order given; units in a cycle keep that order).
    func ordered() -> [SystemdUnit] {
        var before: [String: Set<String>] = [:]  // name -> units that come before it
        let names = Set(units.map(\.name))
        for unit in units {
            for key in ["Requires", "BindsTo", "Wants", "After"] {
                for (other, _) in unit.units(key) where names.contains(other) && other != unit.name { before[unit.name, default: []].insert(other) }
            }
            for (other, _) in unit.units("Before") where names.contains(other) && other != unit.name { before[other, default: []].insert(unit.name) }
        }
        var result: [SystemdUnit] = []
        var placed: Set<String> = []
        while result.count < units.count {
            let next =
                units.first { !placed.contains($0.name) && (before[$0.name] ?? []).isSubset(of: placed) }
                ?? units.first { !placed.contains($0.name) }!
            result.append(next)
            placed.insert(next.name)
        }
        return result
    }
}
