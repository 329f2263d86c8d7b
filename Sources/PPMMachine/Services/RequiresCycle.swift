/// Finds a cycle in the `requires` of a set of services: such services
/// would wait for each other forever, so a config holding one is refused.
package enum RequiresCycle {
    /// The first cycle found, as `requires cycle: a → b → a`, or nil.
    package static func find(in specs: [ServiceSpec]) -> String? {
        let requires = Dictionary(specs.map { ($0.name, $0.requires) }, uniquingKeysWith: { a, _ in a })
        var done: Set<String> = []
        for spec in specs where !done.contains(spec.name) {
            var path: [String] = []
            if let cycle = visit(spec.name, requires, &path, &done) {
                return "requires cycle: " + cycle.joined(separator: " → ")
            }
        }
        return nil
    }

    /// Depth first; `path` is the chain being followed, `done` the names
    /// known to lead to no cycle.
    private static func visit(
        _ name: String, _ requires: [String: [String]], _ path: inout [String],
        _ done: inout Set<String>
    ) -> [String]? {
        if let start = path.firstIndex(of: name) { return Array(path[start...]) + [name] }
        guard !done.contains(name) else { return nil }
        path.append(name)
        for r in requires[name] ?? [] {
            if let cycle = visit(r, requires, &path, &done) { return cycle }
        }
        path.removeLast()
        done.insert(name)
        return nil
    }
}
