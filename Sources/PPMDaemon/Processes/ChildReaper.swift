import CSystem
import Dispatch
import Glibc
import PPMMachine
import PPMRuntime

/// Reaps the daemon's children.
///
/// Each child the spawner starts hands over its pidfd, and is reaped with
/// `waitid(P_PIDFD)` once the pidfd turns readable: constant work per exit,
/// however many services run. (`waitpid(-1)` looks at every child on each
/// call: 16% of the daemon's time with 1000 services being restarted.)
///
/// A sweep with `waitpid(-1)` covers what pidfds do not: orphans adopted as
/// child subreaper, stop and continue reports, and children started before
/// a re-exec. A SIGCHLD about any of those schedules a sweep soon. One about
/// the exit of a child with a pidfd schedules a late one only: SIGCHLDs
/// coalesce, so it may hide another child's. A child the sweep reaps first
/// is reported all the same, once. Confined to the loop's queue.
final class ChildReaper: ChildWatcher, @unchecked Sendable {
    /// How long after a SIGCHLD nothing else explains the sweep runs.
    static let sweepDelay = 0.05
    /// How long after a SIGCHLD its pidfd explains the sweep runs (a bound
    /// on how long another child's exit hidden behind it stays unreaped).
    static let lateSweepDelay = 1.0

    private let scheduler: Scheduler
    private let watchSet: ReadinessSet
    private let report: (SignalLoop.Event) -> Void
    /// Reaps every child that changed state (`waitpid(-1)`; tests count calls instead).
    private let reapAll: ((SignalLoop.Event) -> Void) -> Void
    /// The pidfd of each child being watched, by pid.
    private var pidfds: [Int32: Int32] = [:]
    /// Children reaped through their pidfds since the last sweep.
    private var reapedSinceSweep: Set<Int32> = []
    private var sweepSoon = false
    private var sweepLate = false

    /// A reaper on `queue` that reports each exit, stop and continue to
    /// `report`; its sweeps are timed by `scheduler` (on the same queue).
    init(
        queue: DispatchQueue, scheduler: Scheduler, reapAll: @escaping ((SignalLoop.Event) -> Void) -> Void = SignalLoop.reap,
        report: @escaping (SignalLoop.Event) -> Void
    ) {
        self.scheduler = scheduler
        self.reapAll = reapAll
        self.report = report
        watchSet = ReadinessSet(queue: queue)
    }

    /// Takes the pidfd of a child just started (on the loop's queue, where
    /// services and helpers are spawned).
    func watch(child pid: Int32, pidfd: Int32) {
        forget(pid)
        pidfds[pid] = pidfd
        // Not watchable: the sweep reaps it instead.
        if !watchSet.watch(pidfd, { [weak self] _ in self?.reap(pid) }) { forget(pid) }
    }

    /// Watches a child started before this image of the daemon (a re-exec
    /// keeps children but not their pidfds); the sweep reaps it if no pidfd can be had.
    func watch(child pid: Int32) {
        let fd = ppm_pidfd_open(pid)
        if fd >= 0 { watch(child: pid, pidfd: fd) }
    }

    /// A SIGCHLD arrived about `pid` with `si_code` `code`: schedules a
    /// sweep, late when a pidfd accounts for it.
    func childSignalled(pid: Int32, code: Int32) {
        let exit = code == CLD_EXITED || code == CLD_KILLED || code == CLD_DUMPED
        if exit && (pidfds[pid] != nil || reapedSinceSweep.contains(pid)) {
            guard !sweepLate && !sweepSoon else { return }
            sweepLate = true
            _ = scheduler.schedule(after: Self.lateSweepDelay) { [weak self] in self?.sweep() }
        } else {
            guard !sweepSoon else { return }
            sweepSoon = true
            _ = scheduler.schedule(after: Self.sweepDelay) { [weak self] in self?.sweep() }
        }
    }

    /// Reaps every child that has changed state, pidfd or not.
    func sweep() {
        sweepSoon = false
        sweepLate = false
        reapedSinceSweep = []
        reapAll { event in
            if case .exited(let pid, _, _) = event { forget(pid) }
            report(event)
        }
    }

    /// The number of children watched through pidfds.
    var watched: Int { pidfds.count }

    private func reap(_ pid: Int32) {
        guard let fd = pidfds[pid] else { return }
        var kind: Int32 = 0
        var code: Int32 = 0
        // Read while it is a zombie: the exit may be noticed late (a stopped daemon).
        let ended = ProcessEnd.lastRan(pid)
        let reaped = ppm_wait_pidfd(fd, &kind, &code)
        if reaped == 0 { return }  // still running: a readiness left over from a reused number
        forget(pid)
        guard reaped > 0 else { return }  // reaped elsewhere, and reported there
        reapedSinceSweep.insert(pid)
        report(.exited(pid: pid, status: kind == Int32(PPM_WAIT_EXITED) ? .exited(code) : .signaled(code), ended: ended))
    }

    private func forget(_ pid: Int32) {
        guard let fd = pidfds.removeValue(forKey: pid) else { return }
        watchSet.forget(fd)
        close(fd)
    }
}
