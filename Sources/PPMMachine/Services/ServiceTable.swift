/// The services the supervisor knows, with the indexes every event needs in
/// constant time: by name, by pid, the reverse of `requires`, and groups.
struct ServiceTable {
    private(set) var byName: [String: Service] = [:]
    /// Declaration order (`ls`, boot, `all`).
    private(set) var order: [String] = []
    /// The service whose current process has this pid.
    var byPid: [Int32: Service] = [:]
    /// The runs whose main process is not their group's leader (sd_notify
    /// `MAINPID=`), by process group: `byPid` knows them by the main pid.
    var movedGroups: [Int32: Service] = [:]
    /// Services that require the key: started when it runs, stopped before it.
    private(set) var dependents: [String: Set<String>] = [:]
    /// Members of each group, in declaration order.
    private(set) var groups: [String: [String]] = [:]

    subscript(name: String) -> Service? { byName[name] }

    var count: Int { order.count }

    /// Adds a service last, or a copy of a template after its siblings:
    /// returns whether it went last.
    @discardableResult
    mutating func insert(_ service: Service) -> Bool {
        let name = service.spec.name
        byName[name] = service
        // A copy of an `instances` template (`web@4` added by `scale`) is listed after its siblings.
        if let number = service.spec.instance, let template = ServiceInstances.split(name)?.template,
            let sibling = groups[template]?.last(where: { ServiceInstances.split($0).map { $0.template == template && $0.number < number } ?? false }
            ),
            let index = order.lastIndex(of: sibling)
        {
            order.insert(name, at: index + 1)
        } else {
            order.append(name)
        }
        for r in service.spec.requires { dependents[r, default: []].insert(name) }
        for g in service.spec.groups { groups[g, default: []].append(name) }
        return order.last == name
    }

    /// Gives a service a new spec in place (same position), indexes updated.
    mutating func respec(_ service: Service, _ spec: ServiceSpec) {
        let name = spec.name
        let old = service.spec
        service.spec = spec
        for r in old.requires { dependents[r]?.remove(name) }
        for r in spec.requires { dependents[r, default: []].insert(name) }
        guard old.groups != spec.groups else { return }
        for g in old.groups where !spec.groups.contains(g) {
            groups[g]?.removeAll { $0 == name }
            if groups[g]?.isEmpty == true { groups[g] = nil }
        }
        // A group it joins lists it last (not at its declaration position).
        for g in spec.groups where !old.groups.contains(g) { groups[g, default: []].append(name) }
    }

    /// Removes a service; returns its position in `order`.
    @discardableResult
    mutating func remove(_ name: String) -> Int? {
        guard let service = byName.removeValue(forKey: name) else { return nil }
        if let pid = service.pid, byPid[pid] === service { byPid[pid] = nil }
        if let pgid = service.phase.pgid, movedGroups[pgid] === service { movedGroups[pgid] = nil }
        for r in service.spec.requires { dependents[r]?.remove(name) }
        for g in service.spec.groups {
            groups[g]?.removeAll { $0 == name }
            if groups[g]?.isEmpty == true { groups[g] = nil }
        }
        guard let index = order.firstIndex(of: name) else { return nil }
        order.remove(at: index)
        return index
    }

    /// Whether any service requiring `name` still has a process.
    func hasActiveDependents(_ name: String) -> Bool {
        (dependents[name] ?? []).contains { byName[$0]?.isActive ?? false }
    }
}
