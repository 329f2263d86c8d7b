/// What a config reload asks of the supervisor beyond `add` and `remove`:
/// a changed spec replaces the old one.
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
}
