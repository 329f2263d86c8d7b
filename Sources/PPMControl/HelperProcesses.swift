import Dispatch
import CSystem
import Glibc
import PPMCore
import PPMScript

/// Unsupervised helper commands started by `ppm.spawn`: stdin text goes in
/// through a pipe, stdout is collected, and the callback runs once both the
/// exit and the end of output are seen. Each helper runs in its own process
/// group; one with a `timeout` gets SIGTERM when it runs past it and SIGKILL
/// `killAfter` seconds later; at `quit` every helper gets SIGTERM.
/// Confined to the loop queue.
final class HelperProcesses: @unchecked Sendable {
    private final class Helper: @unchecked Sendable {
        var status: ExitStatus?
        var output: [UInt8] = []
        var outputDone = false
        var timedOut = false
        let done: (HelperExit) -> Void
        init(done: @escaping (HelperExit) -> Void) { self.done = done }
    }

    /// Output kept per helper; the rest is dropped.
    static let maxOutput = 1 << 20
    private let queue: DispatchQueue
    private let spawner: LinuxSpawner
    private var running: [Int32: Helper] = [:]

    init(queue: DispatchQueue, spawner: LinuxSpawner) {
        self.queue = queue
        self.spawner = spawner
    }

    func spawn(cmd: [String], env: [String: String], dir: String?, stdin: String?, timeout: Double?, killAfter: Double,
               done: @escaping (HelperExit) -> Void) {
        var spec = ServiceSpec(name: "helper", cmd: cmd)
        spec.env = env
        spec.dir = dir
        var out: [Int32] = [0, 0]
        var input: [Int32] = [-1, -1]
        guard ppm_pipe(&out) == 0, stdin == nil || ppm_pipe(&input) == 0 else {
            return done(HelperExit(failure: "pipe: \(String(cString: strerror(errno)))"))
        }
        let result = spawner.spawn(spec, stdinFD: input[0], output: ChildOutput(stdout: out[1]))
        close(out[1])
        if input[0] >= 0 { close(input[0]) }
        let pid: Int32
        switch result {
        case .failure(let f):
            close(out[0])
            if input[1] >= 0 { close(input[1]) }
            return done(HelperExit(failure: f.message))
        case .success(let p): pid = p
        }
        let helper = Helper(done: done)
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
        let fd = out[0]
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source.setEventHandler { [weak self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                if n < 0 && errno == EAGAIN { return }
                if n <= 0 { break }
                if helper.output.count < Self.maxOutput { helper.output += buffer[0..<min(n, Self.maxOutput - helper.output.count)] }
            }
            source.cancel()
            helper.outputDone = true
            self?.finish(pid)
        }
        source.setCancelHandler { close(fd) }
        source.resume()
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
        finish(pid)
        return true
    }

    private func finish(_ pid: Int32) {
        guard let helper = running[pid], helper.outputDone, let status = helper.status else { return }
        running[pid] = nil
        helper.done(HelperExit(status: status, stdout: String(decoding: helper.output, as: UTF8.self), timedOut: helper.timedOut))
    }
}
