/// What a config reload asks of the supervisor beyond `remove`: new
/// services started in order, a changed spec replacing the old one.
extension Supervisor {
    func replace(_ spec: ServiceSpec) {
        guard let service = table[spec.name] else { return }
        table.respec(service, spec)
        if service.state == .disabled && !spec.disabled {
            service.state = .stopped
            if hasBooted { initialStart(service) }  // enabled by the new config
            return
        }
        if spec.disabled && !service.isActive { service.state = .disabled }
        guard service.isActive, !isShuttingDown else { return }
        service.restarts += 1
        service.restartAfterStop = true
        requestStop(service, waiter: nil)
    }

    func declare(_ specs: [ServiceSpec]) {
        let first = table.count
        for spec in specs where table[spec.name] == nil { table.insert(Service(spec: spec, persist: false)) }
        // Before boot, boot starts them; during boot, the boot loop reaches them.
        guard hasBooted, bootCursor == nil, first < table.count else { return }
        bootCursor = first
        continueBoot()
    }
}
