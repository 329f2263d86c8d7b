import Dispatch
import CSystem
import Glibc
import PPMCore
import PPMScript

/// Unsupervised helper commands started by `ppm.spawn`: stdin text goes in
/// through a pipe, stdout and stderr are collected, and the callback runs
/// once the exit and the end of both outputs are seen. Each helper runs in
/// its own process group; one with a `timeout` gets SIGTERM when it runs
/// past it and SIGKILL `killAfter` seconds later; at `quit` every helper
/// gets SIGTERM. Confined to the loop queue.
final class HelperProcesses: @unchecked Sendable {
    private final class Helper: @unchecked Sendable {
        let pid: Int32
        let started: Double
        var status: ExitStatus?
        var ended: Double = 0
        var output: [[UInt8]] = [[], []]
        var open = 2
        var timedOut = false
        let done: (HelperResult) -> Void
        init(pid: Int32, started: Double, done: @escaping (HelperResult) -> Void) {
            self.pid = pid
            self.started = started
            self.done = done
        }
    }

    /// Output kept per helper and stream; the rest is dropped.
    static let maxOutput = 1 << 20
    private let queue: DispatchQueue
    private let spawner: LinuxSpawner
    private let clock: Scheduler
    private var running: [Int32: Helper] = [:]
    /// Helper output pipes being read: descriptor → helper and stream.
    private var pipes: [Int32: (helper: Helper, stream: Int)] = [:]
    /// Watches `pipes` (short-lived: see `ReadinessSet`).
    private let watchSet: ReadinessSet

    init(queue: DispatchQueue, spawner: LinuxSpawner, clock: Scheduler) {
        self.queue = queue
        self.spawner = spawner
        self.clock = clock
        watchSet = ReadinessSet(queue: queue)
    }

    func spawn(cmd: [String], env: [String: String], dir: String?, stdin: String?, timeout: Double?, killAfter: Double,
               done: @escaping (HelperResult) -> Void) {
        var spec = ServiceSpec(name: "helper", cmd: cmd)
        spec.env = env
        spec.dir = dir
        var out: [Int32] = [-1, -1], err: [Int32] = [-1, -1], input: [Int32] = [-1, -1]
        guard ppm_pipe(&out) == 0, ppm_pipe(&err) == 0, stdin == nil || ppm_pipe(&input) == 0 else {
            let message = "pipe: \(String(cString: strerror(errno)))"
            for fd in out + err + input where fd >= 0 { close(fd) }
            return done(HelperResult(error: message))
        }
        let result = spawner.spawn(spec, stdinFD: input[0], output: ChildOutput(stdout: out[1], stderr: err[1]))
        for fd in [out[1], err[1], input[0]] where fd >= 0 { close(fd) }
        let pid: Int32
        switch result {
        case .failure(let f):
            for fd in [out[0], err[0], input[1]] where fd >= 0 { close(fd) }
            return done(HelperResult(error: f.message))
        case .success(let p): pid = p
        }
        let helper = Helper(pid: pid, started: clock.now, done: done)
        running[pid] = helper
        if let timeout {
            queue.asyncAfter(deadline: .now() + timeout) { [weak self] in
                guard self?.running[pid] === helper, helper.status == nil else { return }
                helper.timedOut = true
                self?.end(pid, helper, killAfter: killAfter)
            }
        }
        if let stdin, input[1] >= 0 {
            let fd = input[1]
            // A blocking write off the loop: the helper may read slowly.
            DispatchQueue.global().async {
                _ = AtomicFile.writeAll(fd, stdin)
                close(fd)
            }
        }
        collect(out[0], into: 0, of: helper)
        collect(err[0], into: 1, of: helper)
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
            let n = read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN { return }
            if n <= 0 { break }
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
        queue.asyncAfter(deadline: .now() + killAfter) { [weak self] in
            guard self?.running[pid] === helper, helper.status == nil else { return }
            kill(-pid, SIGKILL)
        }
    }

    /// Sends SIGTERM to every running helper (the daemon is quitting; what
    /// is left at exit is killed with the daemon's other children).
    func terminateAll() {
        for (pid, helper) in running where helper.status == nil { kill(-pid, SIGTERM) }
    }

    /// Takes an exit if the pid is a helper's.
    func exited(pid: Int32, status: ExitStatus) -> Bool {
        dispatchPrecondition(condition: .onQueue(queue))
        guard let helper = running[pid] else { return false }
        helper.status = status
        helper.ended = clock.now
        finish(pid)
        return true
    }

    private func finish(_ pid: Int32) {
        guard let helper = running[pid], helper.open == 0, let status = helper.status else { return }
        running[pid] = nil
        helper.done(HelperResult(
            pid: pid, status: status, runtime: helper.ended - helper.started,
            stdout: String(decoding: helper.output[0], as: UTF8.self), stderr: String(decoding: helper.output[1], as: UTF8.self),
            timedOut: helper.timedOut))
    }
}
