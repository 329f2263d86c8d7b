import CSystem
import Glibc
import PPMRuntime
import SystemCalls

/// Ends the processes still children of the daemon when it exits: helpers
/// from `ppm.spawn` and orphans it adopted as a child subreaper (a
/// grandchild that left its service's process group with `setsid`).
/// Each gets SIGTERM (its process group too when it leads one), then
/// SIGKILL once `grace` seconds have passed; every one is reaped.
enum RemainingChildren {
    /// Returns how many processes had to be ended.
    @discardableResult
    static func end(grace: Double, log: (String) -> Void) -> Int {
        // Children that are exiting anyway (the fd holder told to quit) go first.
        let settle = now() + 0.3
        while now() < settle {
            reap()
            if list().isEmpty && everyChild().isEmpty { return 0 }
            usleep(10_000)
        }
        let started = now()
        var signalled = Set<Int32>()
        var killed = false
        while true {
            reap()
            var children = list()
            if children.isEmpty { children = everyChild() }
            if children.isEmpty { return signalled.count }
            let late = now() - started >= grace
            for pid in children where !signalled.contains(pid) {
                signalled.insert(pid)
                log("ending process \(pid), still a child of the daemon at exit")
                send(pid, SIGTERM)
            }
            if late {
                if !killed { log("sending SIGKILL to \(children.count) process(es) still running after \(grace) s") }
                killed = true
                for pid in children { send(pid, SIGKILL) }
            }
            if now() - started > grace + 5 {
                log("giving up on \(children.count) process(es) that would not end")
                return signalled.count
            }
            usleep(10_000)
        }
    }

    private static func send(_ pid: Int32, _ sig: Int32) {
        if getpgid(pid) == pid { kill(-pid, sig) }
        kill(pid, sig)
    }

    private static func reap() {
        var kind: Int32 = 0
        var code: Int32 = 0
        while ppm_wait_any(&kind, &code) > 0 {}
    }

    /// The daemon's children as its threads' `children` files list them
    /// (cheap however many processes the machine runs, but not a snapshot).
    private static func list() -> [Int32] { ProcessTable.ownChildren() ?? everyChild() }

    /// The daemon's children from the whole process table: the answer an
    /// empty `list()` is confirmed with before the daemon stops looking.
    private static func everyChild() -> [Int32] {
        let me = getpid()
        return ProcessTable.read().entries.filter { $0.ppid == me }.map(\.pid)
    }

    private static func now() -> Double { SystemClock.monotonic() }
}
