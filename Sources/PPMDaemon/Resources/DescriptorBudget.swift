import Dispatch
import Glibc

/// The daemon's open-files budget: how many descriptors it holds and may
/// still open, keeping a reserve for what it cannot do without (answering
/// its socket, a pidfd per service, libdispatch).
enum DescriptorBudget {
    /// Descriptors kept free at all times, beyond one per service: 128, or
    /// a sixteenth of a small limit (at least 16).
    static func reserve(limit: Int) -> Int { min(128, max(16, limit / 16)) }

    /// Descriptors open now (the entries of /proc/self/fd; 0 if unreadable).
    static func openCount() -> Int {
        guard let dir = opendir("/proc/self/fd") else { return 0 }
        defer { closedir(dir) }
        var count = -1  // the directory's own descriptor
        while let entry = readdir(dir) {
            if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
        }
        return max(0, count)
    }

    /// The soft open-files limit (RLIMIT_NOFILE).
    static func limit() -> Int {
        var l = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &l) == 0 else { return 1024 }
        return Int(min(UInt64(l.rlim_cur), UInt64(Int32.max)))
    }

    /// How many more descriptors may be opened for `services` services'
    /// output while the reserve and a pidfd for each stay free.
    static func available(services: Int) -> Int {
        let limit = limit()
        return max(0, limit - openCount() - reserve(limit: limit) - services)
    }

    /// Makes libdispatch open what it opens once, lazily, and cannot do
    /// without (its epoll set, its eventfd, a timerfd per clock): it traps
    /// on EMFILE there. Called at start, before the daemon takes back its
    /// pipes, so that a full table later never meets those first calls.
    static func prepareDispatch() {
        let queue = DispatchQueue(label: "ppm-lua.dispatch-warm-up")
        let fired = DispatchSemaphore(value: 0)
        let uptime = DispatchSource.makeTimerSource(queue: queue)
        uptime.schedule(deadline: .now())
        let wall = DispatchSource.makeTimerSource(queue: queue)
        wall.schedule(wallDeadline: .now())
        for timer in [uptime, wall] {
            timer.setEventHandler {
                timer.cancel()
                fired.signal()
            }
            timer.resume()
        }
        _ = fired.wait(timeout: .now() + 5)
        _ = fired.wait(timeout: .now() + 5)
    }
}
