import LuaKit
import Synchronization

/// The interrupter of the daemon's current Lua state, readable from any
/// thread: the control socket's `interrupt` runs off the loop while a
/// reload may swap the state on it.
final class CurrentInterrupter: Sendable {
    private let current: Mutex<LuaInterrupter>

    init(_ interrupter: LuaInterrupter) { current = Mutex(interrupter) }

    /// Points at the state a reload installed; the calls the old state was
    /// asked to stop before they started stay stopped.
    func set(_ interrupter: LuaInterrupter) {
        current.withLock { old in
            interrupter.inheritPending(from: old)
            old = interrupter
        }
    }

    /// Stops the call running in the current state, if any.
    func interrupt() { current.withLock { $0 }.interrupt() }

    /// Stops the call `id` (an `eval` chunk) now or when it starts; false
    /// when it has finished.
    func interrupt(_ id: LuaCallID) -> Bool { current.withLock { $0 }.interrupt(id) }
}
