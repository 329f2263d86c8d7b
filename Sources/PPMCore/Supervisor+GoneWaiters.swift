/// Waiting for a service's process to end without asking it to (`quit`
/// reports each service as it stops): told right after the effect that
/// records the end, `persist(.gone)`, whichever transition wrote it.
extension Supervisor {
    func whenGone(_ name: String, _ waiter: Waiter) {
        // A spawn answers before any other input: nothing is launching here.
        guard let service = table[name], service.state.hasProcess else {
            return effects.append(.done(waiter))
        }
        goneWaiters[name, default: []].append(waiter)
    }

    /// Puts each waiting `done` right after its service's `persist(.gone)`:
    /// before a waiter told later in the same list (the shutdown's, after
    /// which the daemon exits) runs.
    func tellGoneWaiters() {
        guard effects.contains(where: { if case .persist(.gone) = $0 { true } else { false } }) else { return }
        var ordered: [Effect] = []
        ordered.reserveCapacity(effects.count + 1)
        for effect in effects {
            ordered.append(effect)
            if case .persist(.gone(let name)) = effect, let waiters = goneWaiters.removeValue(forKey: name) {
                ordered += waiters.map { .done($0) }
            }
        }
        effects = ordered
    }
}
