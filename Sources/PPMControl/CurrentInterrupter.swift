import LuaKit
import Synchronization

/// The interrupter of the daemon's current Lua state, readable from any
/// thread: the control socket's `interrupt` runs off the loop while a
/// reload may swap the state on it.
final class CurrentInterrupter: Sendable {
    private let current: Mutex<LuaInterrupter>

    init(_ interrupter: LuaInterrupter) { current = Mutex(interrupter) }

    /// Points at the state a reload installed.
    func set(_ interrupter: LuaInterrupter) { current.withLock { $0 = interrupter } }

    /// Stops the call running in the current state, if any.
    func interrupt() { current.withLock { $0 }.interrupt() }
}
