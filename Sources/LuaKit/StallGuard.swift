import CLuaShim

/// The last-resort watchdog over every Lua call (Sources/CLuaShim/stallguard.c):
/// when one outermost call runs past the hard limit, `handler` runs on the
/// watchdog's own thread with the limit in seconds. The budget stops
/// ordinary runaway code; this catches what the budget cannot reach.
public enum StallGuard {
    /// Installs `handler`; `fixedSeconds` > 0 is the limit for every call,
    /// 0 means ten times the call's budget, at least 10 s. False if no
    /// timer could be made.
    @discardableResult
    public static func install(fixedSeconds: Double, _ handler: @escaping @convention(c) (Double) -> Void) -> Bool {
        ppm_stall_guard_install(handler, fixedSeconds) == 0
    }
}
