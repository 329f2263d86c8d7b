import CLuaShim

/// The last-resort watchdog over the daemon's loop (Sources/CLuaShim/stallguard.c):
/// when one turn of the loop or one outermost Lua call runs past its hard
/// limit, `handler` runs on the watchdog's own thread with that limit in
/// seconds and whether Lua was running. The Lua budget stops ordinary
/// runaway code; this catches what the budget cannot reach, and any turn
/// stuck outside Lua (a read that never returns).
public enum StallGuard {
    /// Installs `handler`; `fixedSeconds` > 0 is the limit for every turn
    /// and call, 0 means 10 s a turn and ten times a call's budget (at
    /// least 10 s). False if no timer could be made.
    @discardableResult
    public static func install(fixedSeconds: Double, _ handler: @escaping @convention(c) (Double, Int32) -> Void) -> Bool {
        ppm_stall_guard_install(handler, fixedSeconds) == 0
    }

    /// Runs `body` as one guarded turn of the loop. Costs no system call
    /// while the timer is armed (see stallguard.c); a no-op before `install`.
    @inline(__always)
    public static func turn<T>(_ body: () throws -> T) rethrows -> T {
        ppm_stall_guard_turn_begin()
        defer { ppm_stall_guard_turn_end() }
        return try body()
    }

    /// Lets the running turn take `seconds` more from now (a wait that is
    /// meant to be long, such as `quit` ending the daemon's children).
    public static func allow(_ seconds: Double) { ppm_stall_guard_allow(seconds) }

    /// What the loop calls before it blocks: with no turn or call running,
    /// the timer goes off, so an idle daemon is never woken by the guard.
    public static let idle: @convention(c) () -> Void = { ppm_stall_guard_idle() }
}
