/// What the hooks said about one event.
package struct HookResult: Sendable {
    /// For exits: what happens next (nil: the service's `restart` policy).
    package var decision: Decision?
    /// Hooks that failed (error, timeout, memory), with their tracebacks.
    package var errors: [String]
    /// A deciding hook is waiting (`ppm.sleep`, `ppm.probe.*`): its decision
    /// arrives later as the `decided` (or `healthDecided`) input, not here.
    package var pending = false

    package init(decision: Decision? = nil, errors: [String] = []) {
        self.decision = decision
        self.errors = errors
    }
}
