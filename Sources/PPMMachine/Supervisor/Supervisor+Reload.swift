/// What a config reload asks of the supervisor beyond `remove`: new
/// services started in order, a changed spec replacing the old one.
extension Supervisor {
    func replace(_ spec: ServiceSpec) {
        guard let service = table[spec.name] else { return }
        table.respec(service, spec)
        if service.phase == .disabled && !spec.disabled {
            // Enabled by the new config: it starts as it would have at boot.
            service.phase = .created
            if hasBooted { initialStart(service) }
            return
        }
        if spec.disabled && !service.isActive { service.phase = .disabled }
        guard !isShuttingDown else { return }
        switch service.phase {
        case .preStarting, .starting, .running, .launching(stopThen: nil):
            service.restarts += 1
            requestCause = "reload"
            requestStop(service, then: .restart, waiter: nil)
        case .waiting(.requires):
            launch(service)  // its `requires` changed: met now, or waiting for the new ones
        case .created, .disabled, .waiting, .launching, .stopping, .draining, .deciding, .down:
            break  // the new spec applies at its next start (a stop under way keeps its aim)
        }
    }

    func declare(_ specs: [ServiceSpec]) {
        var appended = 0
        var placedAmong: [Service] = []
        for spec in specs where table[spec.name] == nil {
            let service = Service(spec: spec, persist: false)
            if table.insert(service) { appended += 1 } else { placedAmong.append(service) }
        }
        // Copies listed among their siblings (`scale`, a reload's `instances`) start at once: no boot cursor reaches them.
        if hasBooted { placedAmong.forEach(initialStart) }
        // Before boot, boot starts them; during boot, the boot loop reaches them.
        guard hasBooted, bootCursor == nil, appended > 0 else { return }
        bootCursor = table.count - appended
        continueBoot()
    }
}
