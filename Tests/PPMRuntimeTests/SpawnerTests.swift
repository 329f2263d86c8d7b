import Dispatch
import Foundation
import Glibc
import PPMMachine
import Synchronization
import Testing

@testable import PPMRuntime

/// The real spawner against real children. Every child is reaped here by
/// pid (never waitpid(-1): other suites share this process).
@Suite(.serialized) struct SpawnerTests {
    @Test func childrenGetAnEmptyMaskAndNoIgnoredSignals() throws {
        // The parent as the daemon is: SIGPIPE ignored, a handler on SIGTERM,
        // and (like a Dispatch worker) SIGTERM blocked on the spawning thread.
        let oldPipe = signal(SIGPIPE, SIG_IGN)
        let oldTerm = signal(SIGTERM, { _ in })
        var block = sigset_t()
        var oldMask = sigset_t()
        sigemptyset(&block)
        sigaddset(&block, SIGTERM)
        sigaddset(&block, SIGUSR1)
        pthread_sigmask(SIG_BLOCK, &block, &oldMask)
        LinuxSpawner.signalDispositionsChanged()
        defer {
            pthread_sigmask(SIG_SETMASK, &oldMask, nil)
            signal(SIGPIPE, oldPipe)
            signal(SIGTERM, oldTerm)
            LinuxSpawner.signalDispositionsChanged()
        }

        let pid = try #require(try? LinuxSpawner().spawn(ServiceSpec(name: "sleeper", cmd: ["/bin/sleep", "30"])).get())
        defer {
            kill(pid, SIGKILL)
            _ = reap(pid)
        }
        #expect(procStatus(pid, "SigBlk") == "0000000000000000")
        #expect(procStatus(pid, "SigIgn") == "0000000000000000")
        #expect(procStatus(pid, "NSpgid") == "\(pid)")  // own process group (setsid)
        // The default SIGTERM action ends it.
        kill(pid, SIGTERM)
        #expect(reap(pid) == .signaled(SIGTERM))
    }

    @Test func anExecErrorNamesThePathAndTheChildIsReaped() throws {
        let dir = try TempDir()
        let bad = dir.file("bad", "not a program\n", mode: 0o755)
        let spawner = LinuxSpawner()
        guard case .failed(let failure, let err, _, let pid) = spawner.launch(ServiceSpec(name: "bad", cmd: [bad]), stdinFD: -1) else {
            Issue.record("a file that is not a program started")
            return
        }
        #expect(failure.message == "\(bad): Exec format error")
        #expect(err == ENOEXEC)
        #expect(pid > 0)
        #expect(waitpid(pid, nil, WNOHANG) == -1 && errno == ECHILD)
        #expect(spawner.prepared["bad"] == nil)

        let missing = spawner.spawn(ServiceSpec(name: "missing", cmd: ["/nonexistent/x"]))
        #expect(missing == .failure(SpawnFailure("/nonexistent/x: No such file or directory")))
    }

    @Test func aCachedSpecSpawnsAgainAndChangesArePickedUp() throws {
        let dir = try TempDir()
        let out = dir.path + "/out"
        let spawner = LinuxSpawner(baseEnvironment: ["PATH": "/usr/bin:/bin", "Y": "b", "X": "base"])
        var spec = ServiceSpec(name: "echo", cmd: ["sh", "-c", "echo $X$Y"])
        spec.env = ["X": "1"]
        spec.stdout = out

        #expect(run(spawner, spec) == .exited(0))
        let first = try #require(spawner.prepared["echo"])
        #expect(first.path == "/usr/bin/sh" || first.path == "/bin/sh")
        #expect(run(spawner, spec) == .exited(0))
        #expect(spawner.prepared["echo"] === first)
        #expect(read(out) == "1b\n1b\n")

        spec.env = ["X": "2"]
        #expect(run(spawner, spec) == .exited(0))
        #expect(spawner.prepared["echo"] !== first)
        #expect(read(out) == "1b\n1b\n2b\n")

        spawner.baseEnvironment["Y"] = "c"
        #expect(run(spawner, spec) == .exited(0))
        #expect(read(out) == "1b\n1b\n2b\n2c\n")

        spec.cleanEnv = true
        spec.cmd = ["/bin/sh", "-c", "echo ${X}${Y:-none}"]
        #expect(run(spawner, spec) == .exited(0))
        #expect(read(out) == "1b\n1b\n2b\n2c\n2none\n")
    }

    @Test func aCachedPathThatStopsWorkingIsSearchedAgainOnce() throws {
        let dir = try TempDir()
        let a = dir.folder("a")
        let b = dir.folder("b")
        let toolA = dir.file("a/tool", "#!/bin/sh\necho A\n", mode: 0o755)
        let toolB = dir.file("b/tool", "#!/bin/sh\necho B\n", mode: 0o755)
        let out = dir.path + "/out"
        let spawner = LinuxSpawner(baseEnvironment: ["PATH": "\(a):\(b)"])
        var spec = ServiceSpec(name: "tool", cmd: ["tool"])
        spec.stdout = out

        #expect(run(spawner, spec) == .exited(0))
        #expect(spawner.prepared["tool"]?.path == toolA)
        // Removed: the cached path fails, the search finds b/tool.
        unlink(toolA)
        #expect(run(spawner, spec) == .exited(0))
        #expect(spawner.prepared["tool"]?.path == toolB)
        // Not executable any more, and nothing else in PATH: the search's error.
        chmod(toolB, 0o644)
        #expect(spawner.spawn(spec) == .failure(SpawnFailure("tool: command not found in PATH")))
        #expect(spawner.prepared["tool"] == nil)
        #expect(read(out) == "A\nB\n")
    }

    @Test func aMissingDirIsReportedByName() {
        var spec = ServiceSpec(name: "nodir", cmd: ["/bin/true"])
        spec.dir = "/nonexistent-ppm-dir"
        #expect(LinuxSpawner().spawn(spec) == .failure(SpawnFailure("/nonexistent-ppm-dir: No such file or directory")))
    }

    @Test func stdoutAndStderrGoToFilesRelativeToDir() throws {
        let dir = try TempDir()
        var spec = ServiceSpec(name: "out", cmd: ["/bin/sh", "-c", "echo hello; echo oops >&2; pwd"])
        spec.dir = dir.path
        spec.stdout = "out.txt"
        spec.stderr = dir.path + "/err.txt"
        #expect(run(LinuxSpawner(), spec) == .exited(0))
        #expect(read(dir.path + "/out.txt") == "hello\n\(dir.path)\n")
        #expect(read(dir.path + "/err.txt") == "oops\n")
    }

    @Test(.enabled(if: geteuid() == 0, "needs root")) func userGroupAndGroupsAreApplied() throws {
        let pw = try #require(getpwnam("nobody"))
        var spec = ServiceSpec(name: "nobody", cmd: ["/bin/sleep", "30"])
        spec.user = "nobody"
        spec.group = "0"
        let pid = try #require(try? LinuxSpawner().spawn(spec).get())
        defer {
            kill(pid, SIGKILL)
            _ = reap(pid)
        }
        #expect(procStatus(pid, "Uid")?.split(separator: "\t").first == "\(pw.pointee.pw_uid)"[...])
        #expect(procStatus(pid, "Gid")?.split(separator: "\t").first == "0")
        #expect(procStatus(pid, "Groups")?.split(separator: " ").contains("0") == true)
    }

    @Test func childrenInheritOnlyStdioHoweverManyDescriptorsTheParentHolds() throws {
        // 200 pipe ends held here, half of them without close-on-exec.
        var held: [Int32] = []
        for i in 0..<100 {
            var ends: [Int32] = [-1, -1]
            #expect(pipe(&ends) == 0)
            if i % 2 == 0 { for fd in ends { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) } }
            held += ends
        }
        defer { for fd in held { close(fd) } }
        let dir = try TempDir()
        var spec = ServiceSpec(name: "fds", cmd: ["/bin/sh", "-c", "ls /proc/$$/fd"])
        spec.stdout = dir.path + "/fds"
        #expect(run(LinuxSpawner(), spec) == .exited(0))
        #expect(read(dir.path + "/fds")?.split(separator: "\n").sorted() == ["0", "1", "2"])
    }

    /// A service runs where the spawning thread may, on every CPU of its
    /// set (nothing in the spawn narrows it: a spawner that pinned itself
    /// to one CPU across clone must hand its whole set back).
    @Test(.enabled(if: sysconf(Int32(_SC_NPROCESSORS_ONLN)) > 1, "one CPU: nothing to narrow"))
    func aServiceRunsOnEveryCPUTheSpawnerMayUse() throws {
        let dir = try TempDir()
        var spec = ServiceSpec(name: "cpus", cmd: ["/bin/sh", "-c", "grep Cpus_allowed_list /proc/self/status"])
        spec.stdout = dir.path + "/cpus"
        let spawner = LinuxSpawner()
        for _ in 0..<5 { #expect(run(spawner, spec) == .exited(0)) }
        let own = read("/proc/thread-self/status")?.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list") }
        #expect(own != nil)
        #expect(read(dir.path + "/cpus")?.split(separator: "\n").last.map(String.init) == own.map(String.init))
    }

    @Test func twoThreadsCanSpawnAtOnce() {
        let failures = Mutex(0)
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            let spawner = LinuxSpawner()
            let spec = ServiceSpec(name: "true", cmd: ["/bin/true"])
            for _ in 0..<100 {
                if run(spawner, spec) != .exited(0) { failures.withLock { $0 += 1 } }
            }
        }
        #expect(failures.withLock { $0 } == 0)
    }
}

/// Spawns and waits for the child's end.
/// Spawns and reaps. A script the test has just written can be "busy" for a
/// moment (another test's child, between its fork and exec, still holds the
/// writing descriptor): such a spawn is tried again.
private func run(_ spawner: LinuxSpawner, _ spec: ServiceSpec) -> PPMMachine.ExitStatus? {
    for _ in 0..<50 {
        switch spawner.spawn(spec) {
        case .success(let pid): return reap(pid)
        case .failure(let f) where f.message.contains("Text file busy"): usleep(20_000)
        case .failure: return nil
        }
    }
    return nil
}

/// Waits up to `seconds` for the child to end and reaps it; kills it past the deadline.
func reap(_ pid: Int32, seconds: Double = 10) -> PPMMachine.ExitStatus? {
    let deadline = Date().addingTimeInterval(seconds)
    var status: Int32 = 0
    while true {
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { break }
        if r < 0 && errno != EINTR { return nil }
        if Date() > deadline {
            kill(pid, SIGKILL)
            _ = waitpid(pid, &status, 0)
            return nil
        }
        usleep(1000)
    }
    let code = status & 0x7f
    return code == 0 ? .exited((status >> 8) & 0xff) : .signaled(code)
}

func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }

/// A field of /proc/PID/status, e.g. "SigBlk".
func procStatus(_ pid: Int32, _ field: String) -> String? {
    guard let text = read("/proc/\(pid)/status") else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return line.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces)
    }
    return nil
}

/// A temporary folder, removed at the end.
final class TempDir {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/ppm-spawn-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.EIO) }
        guard let real = realpath(made, nil) else { throw POSIXError(.EIO) }
        path = String(cString: real)
        free(real)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func folder(_ name: String) -> String {
        mkdir(path + "/" + name, 0o755)
        return path + "/" + name
    }

    func file(_ name: String, _ text: String, mode: mode_t) -> String {
        let full = path + "/" + name
        _ = FileManager.default.createFile(atPath: full, contents: Data(text.utf8))
        chmod(full, mode)
        return full
    }
}
