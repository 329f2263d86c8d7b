import Glibc
import PPMClient
import PPMMachine
import PPMProtocol
import PPMRuntime

/// `watch` (SPEC 11, what `ppm-lua top` reads): one subscription that first
/// sends every service, then the services that changed as they change
/// (`changed`, `removed`), and a `stats` sample (CPU %, RSS) each second,
/// so that a live view costs the daemon the changes, not a listing per
/// refresh. Streams until the client closes.
extension ControlService {
    /// Subscribes `connection`: the first reply holds the daemon and every service.
    func watch(_ request: ControlRequest, _ connection: ControlConnection) {
        // The members sent hold no spec, so nothing needs masking for a remote client.
        var writer = JSONWriter()
        writer.appendRaw(#"{"daemon":"#.utf8)
        writer.appendRaw(daemonSummary().text.utf8)
        writer.appendRaw(#","services":"#.utf8)
        writeServices(supervisor.list(), to: &writer)
        writer.appendByte(UInt8(ascii: "}"))
        connection.send(ControlReply.ok(request.id, rawResult: writer.bytes))
        let number = watches.nextNumber
        watches.nextNumber += 1
        watches.subscribers[number] = .init(connection: connection, requestID: request.id)
        if watches.subscribers.count == 1 {
            loop.changesObserver = { [unowned self] changed in self.noteChanges(changed) }
            armSample()
        }
        connection.addCleanup { [weak self] in
            guard let self else { return }
            self.queue.turnAsync { self.unsubscribe(number) }
        }
    }

    private func unsubscribe(_ number: Int) {
        guard watches.subscribers.removeValue(forKey: number) != nil, watches.subscribers.isEmpty else { return }
        // Nobody watches: nothing is collected and no timer wakes the daemon.
        loop.changesObserver = nil
        watches.pending = ChangedServices()
        watches.pushTimer?.cancel()
        watches.pushTimer = nil
        watches.sampleTimer?.cancel()
        watches.sampleTimer = nil
    }

    /// The daemon's part of the first reply and of each sample.
    private func daemonSummary() -> JSONValue {
        .object(["pid": .int(Int64(getpid())), "uptime": .double(scheduler.now - startedAt), "version": .string(options.version)])
    }

    private func writeServices(_ services: [ServiceSnapshot], to writer: inout JSONWriter) {
        writer.appendByte(UInt8(ascii: "["))
        for (i, service) in services.enumerated() {
            if i > 0 { writer.appendByte(UInt8(ascii: ",")) }
            cgroups.withCgroup(service).write(to: &writer, only: WatchSubscriptions.fields)
        }
        writer.appendByte(UInt8(ascii: "]"))
    }

    /// A turn changed `changed`: pushed shortly, with what follows it.
    private func noteChanges(_ changed: ChangedServices) {
        watches.pending.merge(changed)
        guard watches.pushTimer == nil else { return }
        watches.pushTimer = scheduler.schedule(after: WatchSubscriptions.pushDelay) { [weak self] in
            guard let self else { return }
            self.watches.pushTimer = nil
            self.pushChanges()
        }
    }

    /// `{"changed": [services], "removed": [names]}`, or after a reload or
    /// the boot `{"services": [every service]}`.
    private func pushChanges() {
        let changed = watches.pending
        watches.pending = ChangedServices()
        guard !changed.isEmpty, !watches.subscribers.isEmpty else { return }
        var writer = JSONWriter()
        if changed.all {
            writer.appendRaw(#"{"services":"#.utf8)
            writeServices(supervisor.list(), to: &writer)
        } else {
            let names = changed.names.sorted()
            let present = names.compactMap { supervisor.snapshot($0) }
            writer.appendRaw(#"{"changed":"#.utf8)
            writeServices(present, to: &writer)
            writer.appendRaw(#","removed":"#.utf8)
            writer.appendRaw(JSONValue.init(names.filter { supervisor.snapshot($0) == nil }).text.utf8)
        }
        writer.appendByte(UInt8(ascii: "}"))
        let bytes = writer.bytes
        for subscriber in watches.subscribers.values { subscriber.connection.send(ControlReply.ok(subscriber.requestID, rawResult: bytes)) }
    }

    private func armSample() {
        watches.sampleTimer = scheduler.schedule(after: WatchSubscriptions.sampleInterval) { [weak self] in
            guard let self else { return }
            self.watches.sampleTimer = nil
            self.sample()
        }
    }

    /// `{"stats": [{name, pid, cpu, rss}], "daemon": {...}}` for the services
    /// with a process: read from /proc off the loop, as `stats` is.
    private func sample() {
        guard !watches.subscribers.isEmpty else { return }
        armSample()
        guard !watches.sampling else { return }
        watches.sampling = true
        let running = supervisor.list().filter { $0.pid != nil }
        let groups = running.compactMap(cgroups.statsGroup)
        let targets = watches.subscribers.values.map { ($0.connection, $0.requestID) }
        let daemon = daemonSummary()
        sideWork.perform { [weak self] in
            let usage = StatsSampler.shared.usage(of: groups)
            let rows: [JSONValue] = running.compactMap { s in
                guard let pid = s.pid, let u = usage[pid] else { return nil }
                return .object(["name": .string(s.name), "pid": .init(pid), "cpu": .double(u.cpu), "rss": .int(u.rss)])
            }
            let result = JSONValue.object(["stats": .array(rows), "daemon": daemon])
            for (connection, id) in targets { connection.send(ControlReply.ok(id, result)) }
            self?.queue.turnAsync { [weak self] in self?.watches.sampling = false }
        }
    }
}
