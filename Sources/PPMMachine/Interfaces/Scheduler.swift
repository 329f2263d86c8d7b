/// The clock and timers the daemon runs on: Dispatch timers on its loop
/// queue; tests use a manual clock.
package protocol Scheduler: Clock {
    /// Runs `action` on the loop after `seconds`.
    func schedule(after seconds: Double, _ action: @escaping () -> Void) -> TimerToken
}
