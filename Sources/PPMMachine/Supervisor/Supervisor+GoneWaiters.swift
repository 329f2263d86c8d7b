/// Waiting for a service's process to end without asking it to (`quit`
/// reports each service as it stops): told right after the effect that
/// records the end (`recordGone`), whichever transition it is in.
extension Supervisor {
    func whenGone(_ name: String, _ waiter: Waiter) {
        // A spawn answers before any other input: nothing is launching here.
        guard let service = table[name], service.state.hasProcess else {
            return effects.append(.done(waiter))
        }
        goneWaiters[name, default: []].append(waiter)
    }

    /// Records that the service has no process left (`persist(.gone)`) and
    /// tells its `whenGone` waiters right after: before a waiter told later
    /// in the same list (the shutdown's, after which the daemon exits) runs.
    func recordGone(_ service: Service) {
        let name = service.spec.name
        effects.append(.persist(.gone(name)))
        if let waiters = goneWaiters.removeValue(forKey: name) { effects += waiters.map { .done($0) } }
    }
}
