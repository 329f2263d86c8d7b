import CSystem
import Dispatch
import Glibc
import PPMCore

/// Reaps the daemon's children.
///
/// Each child the spawner starts hands over its pidfd, and is reaped with
/// `waitid(P_PIDFD)` once the pidfd turns readable: constant work per exit,
/// however many services run. (`waitpid(-1)` looks at every child on each
/// call: 16% of the daemon's time with 1000 services being restarted.)
///
/// A SIGCHLD only schedules one sweep with `waitpid(-1)` a little later,
/// shared by every SIGCHLD until it runs, for what pidfds do not cover:
/// orphans adopted as child subreaper, stop and continue reports, and
/// children started before a re-exec. A child the sweep reaps first is
/// reported all the same, once. Confined to the loop's queue.
final class ChildReaper: ChildWatcher, @unchecked Sendable {
    /// How long after a SIGCHLD the sweep runs.
    static let sweepDelay = 0.05

    private let queue: DispatchQueue
    private let watchSet: ReadinessSet
    private let report: (SignalLoop.Event) -> Void
    /// The pidfd of each child being watched, by pid.
    private var pidfds: [Int32: Int32] = [:]
    private var sweepPending = false

    /// A reaper on `queue` that reports each exit, stop and continue to `report`.
    init(queue: DispatchQueue, report: @escaping (SignalLoop.Event) -> Void) {
        self.queue = queue
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

    /// A SIGCHLD arrived: sweeps soon, unless a sweep is already due.
    func childSignalled() {
        guard !sweepPending else { return }
        sweepPending = true
        queue.asyncAfter(deadline: .now() + Self.sweepDelay) { [weak self] in self?.sweep() }
    }

    /// Reaps every child that has changed state, pidfd or not.
    func sweep() {
        sweepPending = false
        SignalLoop.reap { event in
            if case .exited(let pid, _) = event { forget(pid) }
            report(event)
        }
    }

    /// The number of children watched through pidfds.
    var watched: Int { pidfds.count }

    private func reap(_ pid: Int32) {
        guard let fd = pidfds[pid] else { return }
        var kind: Int32 = 0, code: Int32 = 0
        let reaped = ppm_wait_pidfd(fd, &kind, &code)
        if reaped == 0 { return }  // still running: a readiness left over from a reused number
        forget(pid)
        guard reaped > 0 else { return }  // reaped elsewhere, and reported there
        report(.exited(pid: pid, status: kind == Int32(PPM_WAIT_EXITED) ? .exited(code) : .signaled(code)))
    }

    private func forget(_ pid: Int32) {
        guard let fd = pidfds.removeValue(forKey: pid) else { return }
        watchSet.forget(fd)
        close(fd)
    }
}
