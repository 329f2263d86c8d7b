import Dispatch
import LuaKit

/// Which work is a turn of the daemon's loop for the stall guard: every
/// entry onto the loop queue (a source's handler, an `async`, a timer of
/// `DispatchScheduler`) runs through `run(on:)` or `turnAsync` below, so a turn stuck
/// anywhere, inside Lua or not, re-executes the daemon in place. Work on
/// other queues (the control sockets' `io`) runs unguarded.
enum LoopTurns {
    /// The loop queue, set once by the daemon before anything runs on it.
    nonisolated(unsafe) static var loop: DispatchQueue?

    /// Runs `body`, as a guarded turn when `queue` is the loop's.
    @inline(__always)
    static func run(on queue: DispatchQueue, _ body: () -> Void) {
        if queue === loop { StallGuard.turn(body) } else { body() }
    }
}

extension DispatchQueue {
    /// `async`, as a guarded turn on the loop queue.
    func turnAsync(_ body: @escaping @Sendable () -> Void) {
        async { LoopTurns.run(on: self, body) }
    }
}
