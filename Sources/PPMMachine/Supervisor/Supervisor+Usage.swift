extension Supervisor {
    /// Calls `body` with each service's spec, the pid of its run, how long
    /// that run has been up, and its restarts, in declaration order: what
    /// `stats` lists, read without a snapshot made (a snapshot copies the
    /// spec, the last exit and more: at 10,000 services, most of the time
    /// `stats` would hold the loop).
    package func forEachRun(_ body: (_ spec: ServiceSpec, _ pid: Int32?, _ uptime: Double?, _ restarts: Int) -> Void) {
        let now = clock.now
        for name in table.order {
            guard let service = table[name] else { continue }
            let run = service.phase.run
            body(service.spec, run?.pid, run.map { now - $0.startedAt }, service.restarts)
        }
    }
}
