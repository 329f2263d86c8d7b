/// What the hooks said about one event.
public struct HookResult: Sendable {
    /// For exits: what happens next (nil: the service's `restart` policy).
    public var decision: Decision?
    /// Hooks that failed (error, timeout, memory), with their tracebacks.
    public var errors: [String]
    /// A deciding hook is waiting (`ppm.sleep`, `ppm.probe.*`): its decision
    /// arrives later as the `decided` (or `healthDecided`) input, not here.
    public var pending = false

    public init(decision: Decision? = nil, errors: [String] = []) {
        self.decision = decision
        self.errors = errors
    }
}

/// The hooks the loop runs for each event, after the transition that made
/// it. The Lua layer implements it; tests use a fake.
public protocol SupervisorHooks: AnyObject {
    /// Runs the service's hooks and the global ones for `event`. With
    /// `decide`, also its `on_exit` and policy function (or `on_health`),
    /// whose answer is the decision, or comes later as an input (`pending`).
    /// Nothing listening must cost next to nothing.
    func handle(_ event: ServiceEvent, decide: Bool) -> HookResult
}
