import CSystem
import Glibc
import SystemCalls

/// Waits for a local daemon's process to be gone (`quit`): watched through
/// a pidfd opened before the request is sent, so a recycled pid is never
/// mistaken for it. The kernel closes a process's descriptors (the home's
/// lock among them) before its pidfd reports the exit, so once `wait`
/// returns true the home is free for the next daemon.
package final class DaemonExitWatch {
    /// The watched pid.
    package let pid: Int32
    private var pidfd: Int32

    /// Starts watching the daemon `client` is connected to; nil when it is
    /// not a process of this machine (a TCP listener's daemon).
    package init?(_ client: ControlClient) {
        guard let pid = client.localDaemonPid else { return nil }
        self.pid = pid
        pidfd = ppm_pidfd_open(pid)
    }

    deinit { if pidfd >= 0 { close(pidfd) } }

    /// Blocks until the process has exited (true) or `timeout` seconds passed (false).
    package func wait(timeout: Double) -> Bool {
        let deadline = SystemClock.monotonic() + timeout
        while true {
            let left = deadline - SystemClock.monotonic()
            if pidfd >= 0 {
                var p = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
                let n = poll(&p, 1, Int32(max(0, min(left, 3600)) * 1000))
                if n > 0 { return true }
                if n < 0 && errno == EINTR { continue }
                if n == 0 { return false }
                return !isAlive  // poll failed: fall back to looking
            }
            // No pidfd (a kernel before 5.3, or the pid already gone): look every 10 ms.
            if !isAlive { return true }
            if left <= 0 { return false }
            usleep(10_000)
        }
    }

    /// Whether the pid is a live process (a zombie has exited).
    private var isAlive: Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        return PeerProcess.isZombie(pid) == false
    }
}
