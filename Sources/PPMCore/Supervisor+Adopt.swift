import Glibc

/// Adoption: a daemon that was killed outright leaves its services running;
/// the next one takes each over (the daemon checked pid and start time)
/// instead of starting a second copy.
extension Supervisor {
    func adopt(_ name: String, pid: Int32, age: Double) {
        guard let service = table[name], !service.isActive, !isShuttingDown else { return }
        service.pid = pid
        service.pgid = pid
        service.startedAt = clock.now - max(0, age)
        service.state = .running
        service.starts = max(service.starts, 1)
        table.byPid[pid] = service
        effects.append(.persist(.running(name, pid: pid)))
        // Not a child of this daemon: its end is seen through a pidfd, without a status.
        effects.append(.watchProcess(pid: pid))
        emit(.adopt, service, pid: pid)
        if let bounce = service.spec.bounce, bounce > 0 { arm(service, .bounce, after: bounce) }
    }
}
