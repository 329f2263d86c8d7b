import CSystem
import Dispatch
import Glibc
import PPMMachine
import PPMRuntime
import PPMScript
import SystemCalls

/// Unsupervised helper commands started by `ppm.spawn`: stdin text goes in
/// through a pipe, stdout and stderr are collected, and the callback runs
/// once the exit and the end of both outputs are seen. Each helper runs in
/// its own process group; one with a `timeout` gets SIGTERM when it runs
/// past it and SIGKILL `killAfter` seconds later; at `quit` every helper
/// gets SIGTERM. Confined to the loop queue.
final class HelperProcesses: @unchecked Sendable {
    private final class Helper: @unchecked Sendable {
        let pid: Int32
        let cmd: [String]
        let started: Double
        /// Whether Lua waits for its end (`on_exit`).
        var onExit = false
        /// When its `timeout` ends it, on the monotonic clock.
        var deadline: Double?
        var killAfter = 0.0
        var status: ExitStatus?
        var ended: Double = 0
        var output: [[UInt8]] = [[], []]
        var open = 2
        var timedOut = false
        let done: (HelperResult) -> Void
        init(pid: Int32, cmd: [String], started: Double, done: @escaping (HelperResult) -> Void) {
            self.pid = pid
            self.cmd = cmd
            self.started = started
            self.done = done
        }
    }

    /// A helper still running when the daemon re-executes (`ppm-lua upgrade`,
    /// the watchdog): the new image takes over its process, its output
    /// pipes (kept open across the exec) and its timeout, but not its
    /// `on_exit`, a Lua function of the old image.
    struct HandedOver: Sendable, Equatable {
        var pid: Int32
        var cmd: [String]
        /// Whether its `on_exit` is lost (one was given).
        var onExit: Bool
        /// When it started and when its timeout ends it, on the monotonic clock.
        var started: Double
        var deadline: Double?
        var killAfter: Double
        /// Its output pipes still open (read ends, not closed at the exec).
        var pipes: [Int32]
    }

    /// The name helpers run under (their `PPM_LUA_SERVICE`): no service can
    /// have it, so a later daemon never takes a helper for a service.
    static let mark = "@ppm.spawn"

    /// Output kept per helper and stream; the rest is dropped.
    static let maxOutput = 1 << 20
    private let queue: DispatchQueue
    private let spawner: LinuxSpawner
    /// Times the timeouts (and reads the monotonic clock).
    private let scheduler: Scheduler
    private var running: [Int32: Helper] = [:]
    /// Helper output pipes being read: descriptor → helper and stream.
    private var pipes: [Int32: (helper: Helper, stream: Int)] = [:]
    /// Watches `pipes` (short-lived: see `ReadinessSet`).
    private let watchSet: ReadinessSet

    init(queue: DispatchQueue, spawner: LinuxSpawner, scheduler: Scheduler) {
        self.queue = queue
        self.spawner = spawner
        self.scheduler = scheduler
        watchSet = ReadinessSet(queue: queue)
    }

    func spawn(
        cmd: [String], env: [String: String], dir: String?, stdin: String?, timeout: Double?, onExit: Bool,
        killAfter: Double, done: @escaping (HelperResult) -> Void
    ) {
        var spec = ServiceSpec(name: Self.mark, cmd: cmd)
        spec.env = env
        spec.dir = dir
        spawn(spec, stdin: stdin, timeout: timeout, onExit: onExit, killAfter: killAfter, done: done)
    }

    /// Starts `spec` (named `mark`: an exec probe runs with a service's
    /// user, dir and environment) as a helper; returns its pid, or nil
    /// when it could not start (`done` was told why).
    @discardableResult
    func spawn(
        _ spec: ServiceSpec, stdin: String?, timeout: Double?, onExit: Bool, killAfter: Double,
        done: @escaping (HelperResult) -> Void
    ) -> Int32? {
        let cmd = spec.cmd
        var out: [Int32] = [-1, -1]
        var err: [Int32] = [-1, -1]
        var input: [Int32] = [-1, -1]
        guard ppm_pipe(&out) == 0, ppm_pipe(&err) == 0, stdin == nil || ppm_pipe(&input) == 0 else {
            let message = "pipe: \(String(cString: strerror(errno)))"
            for fd in out + err + input where fd >= 0 { close(fd) }
            done(HelperResult(error: message))
            return nil
        }
        let result = spawner.spawn(spec, stdinFD: input[0], output: ChildOutput(stdout: out[1], stderr: err[1]))
        for fd in [out[1], err[1], input[0]] where fd >= 0 { close(fd) }
        let pid: Int32
        switch result {
        case .failure(let f):
            for fd in [out[0], err[0], input[1]] where fd >= 0 { close(fd) }
            done(HelperResult(error: f.message))
            return nil
        case .success(let p): pid = p
        }
        let helper = Helper(pid: pid, cmd: cmd, started: scheduler.now, done: done)
        helper.onExit = onExit
        helper.killAfter = killAfter
        running[pid] = helper
        if let timeout { armTimeout(helper, deadline: scheduler.now + timeout, killAfter: killAfter) }
        if let stdin, input[1] >= 0 { feed(input[1], Array(stdin.utf8)) }
        collect(out[0], into: 0, of: helper)
        collect(err[0], into: 1, of: helper)
        return pid
    }

    /// SIGKILL to the group of a helper that has not exited yet (a probe
    /// given up on); nothing once it has.
    func killProbe(_ pid: Int32) {
        guard let helper = running[pid], helper.status == nil else { return }
        Glibc.kill(-pid, SIGKILL)
    }

    /// SIGTERM to the group of a helper still running (a service's
    /// `pre_start` called off), SIGKILL after its `killAfter`; its `done`
    /// is called as ever.
    func terminate(_ pid: Int32) {
        guard let helper = running[pid], helper.status == nil else { return }
        end(pid, helper, killAfter: helper.killAfter)
    }

    /// Ends `helper` at `deadline` (SIGTERM, SIGKILL `killAfter` seconds later).
    private func armTimeout(_ helper: Helper, deadline: Double, killAfter: Double) {
        helper.deadline = deadline
        helper.killAfter = killAfter
        let pid = helper.pid
        _ = scheduler.schedule(after: max(0, deadline - scheduler.now)) { [weak self] in
            guard self?.running[pid] === helper, helper.status == nil else { return }
            helper.timedOut = true
            self?.end(pid, helper, killAfter: killAfter)
        }
    }

    /// The helpers still running, for the image the daemon is about to
    /// execute; their output pipes are left open across the exec (`keep`
    /// false: closed at exec again, when it failed). Helpers that have
    /// exited but whose output is not read to its end yet are not handed
    /// over: `lost` is told about each that had an `on_exit`.
    func handOver(keep: Bool = true, lost: (String) -> Void) -> [HandedOver] {
        var handed: [HandedOver] = []
        for (pid, helper) in running {
            let fds = pipes.filter { $0.value.helper === helper }.map(\.key).sorted()
            for fd in fds { _ = fcntl(fd, F_SETFD, keep ? 0 : FD_CLOEXEC) }
            guard helper.status == nil else {
                if keep && helper.onExit { lost(Self.lostMessage(helper.cmd, pid: pid, ending: "ended just before the daemon re-executed")) }
                continue
            }
            handed.append(
                HandedOver(
                    pid: pid, cmd: helper.cmd, onExit: helper.onExit, started: helper.started, deadline: helper.deadline,
                    killAfter: helper.killAfter, pipes: fds))
        }
        return handed
    }

    /// Takes over the helpers the previous image of this daemon left
    /// running: each is ended at its timeout and at `quit` as before, and
    /// reaped; its output is read and dropped. `lost` is told when one
    /// that had an `on_exit` ends, since that cannot run. Returns the pids
    /// taken over.
    @discardableResult
    func takeOver(_ handed: [HandedOver], lost: @escaping (String) -> Void) -> [Int32] {
        var taken: [Int32] = []
        for h in handed {
            // Still our child (a zombie until reaped, so never a recycled pid).
            guard Daemon.parent(of: h.pid) == getpid() else {
                h.pipes.forEach { close($0) }
                continue
            }
            taken.append(h.pid)
            let helper = Helper(pid: h.pid, cmd: h.cmd, started: h.started) { result in
                guard h.onExit else { return }
                let how = result.status?.result.map { "exit status \($0)" } ?? result.status?.signal.map { "SIG\(Signals.name($0))" } ?? "?"
                let ending = result.timedOut ? "was ended by its timeout (\(how))" : "ended (\(how))"
                lost(Self.lostMessage(h.cmd, pid: h.pid, ending: ending + " after the daemon re-executed"))
            }
            helper.open = h.pipes.count
            running[h.pid] = helper
            if let deadline = h.deadline { armTimeout(helper, deadline: deadline, killAfter: h.killAfter) }
            for (stream, fd) in h.pipes.enumerated() {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                collect(fd, into: min(stream, 1), of: helper)
            }
        }
        return taken
    }

    private static func lostMessage(_ cmd: [String], pid: Int32, ending: String) -> String {
        "ppm.spawn helper '\(cmd.joined(separator: " "))' (pid \(pid)) \(ending): its on_exit was not called "
            + "(Lua functions do not survive an upgrade)"
    }

    /// Writes `bytes` to a helper's stdin `fd` as it reads them (non-blocking,
    /// on the loop: no thread to make), then closes it.
    private func feed(_ fd: Int32, _ bytes: [UInt8]) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var rest = bytes[...]
        let write: (ReadinessSet.Readiness) -> Void = { [weak self] _ in
            while !rest.isEmpty {
                let n: Int
                do throws(SystemCallError) { n = try syscall { rest.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } } } catch {
                    if error.code == EAGAIN { return }
                    break
                }
                if n == 0 { break }
                rest = rest.dropFirst(n)
            }
            self?.watchSet.forget(fd)
            close(fd)
        }
        if !watchSet.watch(fd, for: .writable, write) { close(fd) }
    }

    /// Reads one output pipe to its end into `helper.output[stream]`.
    private func collect(_ fd: Int32, into stream: Int, of helper: Helper) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        pipes[fd] = (helper, stream)
        // Not watchable: read what is there, and end it.
        if !watchSet.watch(fd, { [weak self] _ in self?.drain(fd) }) { drain(fd) }
    }

    /// Reads what the pipe holds; at its end (or an error) the pipe leaves the
    /// set, is closed, and the helper may finish.
    private func drain(_ fd: Int32) {
        guard let (helper, stream) = pipes[fd] else { return }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n: Int
            do throws(SystemCallError) { n = try syscall { read(fd, &buffer, buffer.count) } } catch {
                if error.code == EAGAIN { return }
                break
            }
            if n == 0 { break }
            let room = Self.maxOutput - helper.output[stream].count
            if room > 0 { helper.output[stream] += buffer[0..<min(n, room)] }
        }
        pipes[fd] = nil
        watchSet.forget(fd)
        close(fd)
        helper.open -= 1
        finish(helper.pid)
    }

    /// SIGTERM to the helper's process group, SIGKILL `killAfter` seconds later.
    private func end(_ pid: Int32, _ helper: Helper, killAfter: Double) {
        kill(-pid, SIGTERM)
        _ = scheduler.schedule(after: killAfter) { [weak self] in
            guard self?.running[pid] === helper, helper.status == nil else { return }
            kill(-pid, SIGKILL)
        }
    }

    /// The pids of the helpers not finished yet (running, or their output still read).
    var pids: [Int32] { Array(running.keys) }

    /// Sends SIGTERM to every running helper (the daemon is quitting; what
    /// is left at exit is killed with the daemon's other children).
    func terminateAll() {
        for (pid, helper) in running where helper.status == nil { kill(-pid, SIGTERM) }
    }

    /// Takes an exit if the pid is a helper's.
    func exited(pid: Int32, status: ExitStatus) -> Bool {
        LoopConfinement.check(queue)
        guard let helper = running[pid] else { return false }
        helper.status = status
        helper.ended = scheduler.now
        finish(pid)
        return true
    }

    private func finish(_ pid: Int32) {
        guard let helper = running[pid], helper.open == 0, let status = helper.status else { return }
        running[pid] = nil
        helper.done(
            HelperResult(
                pid: pid, status: status, runtime: helper.ended - helper.started,
                stdout: String(decoding: helper.output[0], as: UTF8.self), stderr: String(decoding: helper.output[1], as: UTF8.self),
                timedOut: helper.timedOut))
    }
}
