import CSystem
import Dispatch
import Glibc
import PPMMachine
import PPMRuntime

/// Watches processes that are not the daemon's children (adopted after a
/// daemon was killed, a main process named by `MAINPID=`) through pidfds: a
/// pidfd becomes readable when its process ends (or, for a child, once it
/// is a zombie). The pidfds sit in one `ReadinessSet` on the loop's queue.
final class PidWatcher: ProcessWatcher, @unchecked Sendable {
    private let watchSet: ReadinessSet
    /// The pidfd of each watched process.
    private var pidfds: [Int32: Int32] = [:]

    /// Times the retries (the daemon's timerfd: a Dispatch timer asked for
    /// while the descriptor table is full never fires).
    private let scheduler: Scheduler

    init(queue: DispatchQueue, scheduler: Scheduler) {
        self.scheduler = scheduler
        watchSet = ReadinessSet(queue: queue)
    }

    func watch(_ pid: Int32, exited: @escaping (ExitStatus, Double?) -> Void) -> Bool {
        let fd = ppm_pidfd_open(pid)
        // No descriptor free: the process lives on (taking it for ended would
        // start a second copy). Asked again each second until one is had.
        if fd < 0, DescriptorGate.isExhaustion(errno) {
            _ = scheduler.schedule(after: 1) { [weak self] in if self?.watch(pid, exited: exited) == false { exited(.unknown, nil) } }
            return true
        }
        guard fd >= 0 else { return false }
        end(pid)
        pidfds[pid] = fd
        let watched = watchSet.watch(fd) { [weak self] _ in
            guard self?.pidfds[pid] == fd else { return }
            // Read while it is a zombie; reaped here if it became the daemon's
            // child (a main process whose parent ended first, as subreaper).
            let ended = ProcessEnd.lastRan(pid)
            var kind: Int32 = 0
            var code: Int32 = 0
            let reaped = ppm_wait_pidfd(fd, &kind, &code)
            if reaped == 0 { return }  // not ended yet: a readiness of a child still running
            self?.end(pid)
            let status: ExitStatus = reaped < 0 ? .unknown : kind == Int32(PPM_WAIT_EXITED) ? .exited(code) : .signaled(code)
            exited(status, ended)
        }
        if !watched { end(pid) }
        return watched
    }

    /// Stops watching `pid` and closes its pidfd.
    private func end(_ pid: Int32) {
        guard let fd = pidfds.removeValue(forKey: pid) else { return }
        watchSet.forget(fd)
        Glibc.close(fd)
    }
}
