@testable import PPMMachine

/// A spec running `/bin/NAME`, changed by `configure`: the services of the
/// transition tests.
func testSpec(_ name: String, _ configure: (inout ServiceSpec) -> Void = { _ in }) -> ServiceSpec {
    var s = ServiceSpec(name: name, cmd: ["/bin/\(name)"])
    configure(&s)
    return s
}

extension Supervisor {
    /// Declares, boots and starts `spec` as pid `pid`: the effects of the spawn.
    @discardableResult
    func running(_ spec: ServiceSpec, pid: Int32) -> [Effect] {
        _ = handle(.add(spec))
        _ = handle(.boot)
        return handle(.spawned(spec.name, .success(pid)))
    }

    /// Boots, and fires each `boot` timer it arms until every batch is
    /// taken: the effects of the whole boot, timers of the batches left out.
    func bootAll() -> [Effect] {
        var effects: [Effect] = []
        var next = handle(.boot)
        while true {
            let batch = next.compactMap { if case .arm(let id, _) = $0, id.kind == .boot { id } else { nil } }.first
            effects += next.filter { if case .arm(let id, _) = $0, id.kind == .boot { false } else { true } }
            guard let batch else { return effects }
            next = handle(.timer(batch))
        }
    }
}
