extension Supervisor {
    /// `ls`'s whole service objects, in declaration order and separated by
    /// commas, appended to `writer` straight from the service records (no
    /// `ServiceSnapshot` copied per service, #23): the bytes `eachSnapshot`
    /// and `ServiceSnapshot.write(to:)` give. `cgroup` names a service's
    /// cgroup directory (nil: the member is left out); `written` runs after
    /// each object, to send what is written in parts.
    package func writeList(to writer: inout JSONWriter, cgroup: (String) -> String?, written: (inout JSONWriter) -> Void) {
        let now = clock.now
        var first = true
        for name in table.order {
            guard let service = table[name] else { continue }
            if !first { writer.appendByte(UInt8(ascii: ",")) }
            first = false
            var context = Service.ListingContext(now: now, stopTimeout: service.spec.stopTimeout ?? settings.stopTimeout, cgroup: cgroup(name))
            if case .waiting = service.phase { (context.waitingFor, context.blocked) = waiting(service) }
            service.writeListing(to: &writer, context)
            written(&writer)
        }
    }

    /// What a waiting service waits for: the `requires` not met yet, and
    /// why one of them never will be.
    func waiting(_ service: Service) -> (waitingFor: [String], blocked: String?) {
        let waitingFor = service.spec.requires.filter { !isMet($0, for: service.spec) }
        return (waitingFor, waitingFor.lazy.compactMap { self.neverMet($0, for: service.spec) }.first)
    }
}
