package import Foundation
import Glibc

@_silgen_name("posix_spawn_file_actions_addclosefrom_np")
private func spawnActionsCloseFrom(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ from: Int32) -> Int32

@_silgen_name("posix_spawn_file_actions_addchdir_np")
private func spawnActionsChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ path: UnsafePointer<CChar>) -> Int32

/// A program a test starts: the part of Foundation's `Process` the tests
/// use, started with `posix_spawn` so that the child holds its standard
/// input, output and error and nothing else, with no signal blocked or
/// ignored.
///
/// Why not `Process`: on Linux its `run` looks up the highest open
/// descriptor first and closes only up to it in the child, and its own
/// pipes and socket pair are not close-on-exec. A pipe another test's
/// thread makes in between is inherited; when the child is a daemon that
/// runs on, that test's command never reads its end of file and the test
/// run hangs (ChaosTests hung CI this way).
package final class TestProcess: @unchecked Sendable {
    /// The program.
    package var executableURL: URL?
    /// Its arguments (after its own path).
    package var arguments: [String]?
    /// Its environment; nil: this process's.
    package var environment: [String: String]?
    /// Its working directory; nil: this process's.
    package var currentDirectoryURL: URL?
    /// A `Pipe` (the child gets its read end), a `FileHandle`, or nil for /dev/null; this process's stdin by default.
    package var standardInput: Any? = FileHandle.standardInput
    /// A `Pipe` (the child gets its write end), a `FileHandle`, or nil for /dev/null; this process's stdout by default.
    package var standardOutput: Any? = FileHandle.standardOutput
    /// As `standardOutput`, for the child's stderr.
    package var standardError: Any? = FileHandle.standardError
    /// The child's pid once `run` returned, else 0.
    package private(set) var processIdentifier: Int32 = 0

    private let lock = NSLock()
    /// The wait status once reaped.
    private var waitStatus: Int32?

    package init() {}

    /// Starts `url` with `arguments`, as `Process.run(_:arguments:)` does.
    package static func run(_ url: URL, arguments: [String]) throws -> TestProcess {
        let p = TestProcess()
        p.executableURL = url
        p.arguments = arguments
        try p.run()
        return p
    }

    /// Starts the program in a process group of its own (as `Process` does).
    package func run() throws {
        guard let path = executableURL?.path else { throw SpawnFailure(path: "", code: EINVAL) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var handedEnds: [FileHandle] = []
        for (target, fd) in [(standardInput, Int32(0)), (standardOutput, 1), (standardError, 2)] {
            switch target {
            case let pipe as Pipe:
                let childEnd = fd == 0 ? pipe.fileHandleForReading : pipe.fileHandleForWriting
                posix_spawn_file_actions_adddup2(&actions, childEnd.fileDescriptor, fd)
                handedEnds.append(childEnd)
            case let handle as FileHandle where handle !== FileHandle.nullDevice && handle.fileDescriptor >= 0:
                if handle.fileDescriptor != fd { posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, fd) }
            default:
                posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0)
            }
        }
        _ = spawnActionsCloseFrom(&actions, 3)
        if let dir = currentDirectoryURL?.path { _ = dir.withCString { spawnActionsChdir(&actions, $0) } }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Every signal deliverable and at its default: the spawning thread may
        // be a worker that an in-process test left with signals blocked, and a
        // child holding SIGTERM blocked outlives its test's `terminate()`.
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&attributes, 0)

        let argv = [path] + (arguments ?? [])
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var pid: pid_t = 0
        let result = withCStrings(argv) { cArgv in
            withCStrings(env) { cEnv in posix_spawn(&pid, path, &actions, &attributes, cArgv, cEnv) }
        }
        guard result == 0 else { throw SpawnFailure(path: path, code: result) }
        processIdentifier = pid
        // The child has its ends now: ours would keep its reader from seeing end of file.
        for end in handedEnds { try? end.close() }
    }

    /// Whether the child still runs (reaps it once it has ended).
    package var isRunning: Bool {
        lock.lock()
        defer { lock.unlock() }
        guard waitStatus == nil, processIdentifier > 0 else { return false }
        var status: Int32 = 0
        let r = waitpid(processIdentifier, &status, WNOHANG)
        if r == 0 || (r < 0 && errno == EINTR) { return true }
        waitStatus = r == processIdentifier ? status : -1  // -1: reaped by someone else
        return false
    }

    /// Blocks until the child has ended.
    package func waitUntilExit() {
        while isRunning {
            var info = siginfo_t()
            // Waits without reaping, so `isRunning` on any thread still sees the status.
            if waitid(P_PID, id_t(processIdentifier), &info, WEXITED | WNOWAIT) < 0 && errno != EINTR { usleep(1000) }
        }
    }

    /// The exit code, or the number of the signal that ended it; -1 when its
    /// status was lost (another waiter reaped it).
    package var terminationStatus: Int32 {
        _ = isRunning
        lock.lock()
        defer { lock.unlock() }
        guard let status = waitStatus else { preconditionFailure("the process still runs") }
        if status < 0 { return -1 }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f
    }

    /// Sends SIGTERM.
    package func terminate() { kill(processIdentifier, SIGTERM) }

    /// Sends SIGINT.
    package func interrupt() { kill(processIdentifier, SIGINT) }
}

/// `posix_spawn` refused (errno `code`; ENOENT or EACCES when `path` cannot be run).
package struct SpawnFailure: Error, CustomStringConvertible {
    /// The program.
    package let path: String
    /// The errno value.
    package let code: Int32
    package var description: String { "\(path): \(String(cString: strerror(code)))" }
}

/// `body` with a NULL-terminated array of C strings copied from `strings`.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) } + [nil]
    defer { for c in copies { free(c) } }
    return body(copies)
}
