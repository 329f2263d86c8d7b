/// The hooks the loop runs for each event, after the transition that made
/// it. The Lua layer implements it; tests use a fake.
package protocol SupervisorHooks: AnyObject {
    /// Runs the service's hooks and the global ones for `event`. With
    /// `decide`, also its `on_exit` and policy function (or `on_health`),
    /// whose answer is the decision, or comes later as an input (`pending`).
    /// Nothing listening must cost next to nothing.
    func handle(_ event: ServiceEvent, decide: Bool) -> HookResult
}
