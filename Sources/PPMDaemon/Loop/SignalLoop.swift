import CSystem
import Dispatch
import Glibc
import PPMMachine
import PPMRuntime

/// The daemon's signal handling: signal handlers only write the signal's
/// number to a pipe, which the loop queue reads (a self-pipe works whichever
/// thread takes the signal). Reaping is `ChildReaper`'s, told by `.childSignalled`.
final class SignalLoop {
    enum Event {
        /// A SIGCHLD, about `pid` with `si_code` `code` (one SIGCHLD may stand
        /// for several children: they coalesce).
        case childSignalled(pid: Int32, code: Int32)
        /// `ended`: when it last ran, read before it was reaped (`ProcessEnd`).
        case exited(pid: Int32, status: ExitStatus, ended: Double? = nil)
        case paused(pid: Int32)
        case continued(pid: Int32)
        case terminate(signal: Int32)
        case reload
    }

    private let fd: Int32
    /// Watches the pipe (a guarded turn on the loop queue per wake-up).
    private var watcher: ReadinessSet?

    init() throws {
        let signals: [Int32] = [SIGCHLD, SIGTERM, SIGINT, SIGHUP]
        fd = signals.withUnsafeBufferPointer { ppm_signal_pipe($0.baseAddress, Int32($0.count)) }
        guard fd >= 0 else { throw POSIXFailure("cannot install signal handlers") }
        signal(SIGPIPE, SIG_IGN)
    }

    /// Starts delivering events on `queue` (the loop's: its main thread
    /// reads the pipe in its own wait, see `MainLoop`).
    func start(queue: DispatchQueue, _ handle: @escaping (Event) -> Void) {
        let watcher = ReadinessSet(queue: queue)
        self.watcher = watcher
        watcher.watch(fd) { [fd] _ in
            while true {
                var pid: pid_t = 0
                var code: Int32 = 0
                let sig = ppm_signal_pipe_read_info(fd, &pid, &code)
                if sig == 0 { break }
                switch sig {
                case SIGCHLD: handle(.childSignalled(pid: pid, code: code))
                case SIGHUP: handle(.reload)
                default: handle(.terminate(signal: sig))
                }
            }
        }
    }

    /// Reaps (and reports) every child that has changed state, with `waitpid(-1)`.
    static func reap(_ handle: (Event) -> Void) {
        while true {
            var kind: Int32 = 0
            var code: Int32 = 0
            let pid = ppm_wait_any(&kind, &code)
            if pid <= 0 { return }
            switch Int(kind) {
            case Int(PPM_WAIT_EXITED): handle(.exited(pid: pid, status: .exited(code)))
            case Int(PPM_WAIT_SIGNALED): handle(.exited(pid: pid, status: .signaled(code)))
            case Int(PPM_WAIT_STOPPED): handle(.paused(pid: pid))
            case Int(PPM_WAIT_CONTINUED): handle(.continued(pid: pid))
            default: break
            }
        }
    }
}
