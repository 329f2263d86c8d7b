import ArgumentParser
import CSystem
import FoundationEssentials
import Glibc
import LuaKit
import PPMClient
import PPMClientCommands
import PPMDaemon
import PPMMachine
import PPMProtocol
import PPMRuntime

/// `ppm-lua daemon`: runs the supervisor.
struct DaemonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run the supervisor (foreground unless --detach).")

    @Option(name: .shortAndLong, help: "The config file (default: $PPM_LUA_CONFIG, ./ppm.lua, ~/.config/ppm-lua/ppm.lua, /etc/ppm-lua/ppm.lua).")
    var config: String?

    @Flag(help: "Run in the background; return once the socket accepts connections.")
    var detach = false

    @Option(help: "Write the daemon's pid to this file.")
    var pidfile: String?

    @Flag(name: .shortAndLong, help: "Log more.")
    var verbose = false

    @Flag var forward: ForwardFlag?

    @OptionGroup var local: SocketOption

    func run() throws {
        // Before any other thread: what a previous image of the daemon handed over.
        ImageEnvironment.take()
        let configPath = Locations.config(explicit: config)
        if let config, !FileManager.default.fileExists(atPath: config) {
            printError("\(config): no such file")
            throw ExitCode(1)
        }
        if detach { return try runDetached() }
        var options = DaemonOptions(
            configPath: configPath, locations: local.locations, verbose: verbose,
            pidfile: pidfile.map { $0.hasPrefix("/") ? $0 : FileManager.default.currentDirectoryPath + "/" + $0 },
            version: PPMLua.version)
        options.forward = forward?.mode
        let daemon: Daemon
        do {
            daemon = try Daemon(options: options)
        } catch let e as LuaError {
            printError(e.message)
            throw ExitCode(1)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        daemon.run()
    }

    /// Starts a copy of this command without `--detach` in its own session,
    /// logging to `<home>/daemon.log`, and waits for its socket.
    private func runDetached() throws {
        let locations = local.locations
        try locations.create()
        let arguments = CommandLine.arguments.filter { $0 != "--detach" }
        var spec = ServiceSpec(name: "daemon", cmd: [Self.ownProgram()] + arguments.dropFirst())
        let log = locations.home + "/daemon.log"
        spec.stdout = log
        spec.stderr = log
        spec.dir = FileManager.default.currentDirectoryPath
        let pid: Int32
        switch LinuxSpawner().spawn(spec) {
        case .success(let p): pid = p
        case .failure(let f):
            printError("cannot start the daemon: \(f.message)")
            throw ExitCode(1)
        }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if let c = try? ControlClient(socket: locations.socket), (try? c.call("status"))?["pid"]?.intValue == Int64(pid) {
                print("ppm-lua daemon running, pid \(pid)")
                return
            }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                let text = FileContents.read(log) ?? ""
                var last = text.split(separator: "\n").last.map(String.init) ?? "see \(log)"
                if last.hasPrefix("ppm-lua: ") { last.removeFirst("ppm-lua: ".count) }
                printError("the daemon exited at start: \(last)")
                throw ExitCode(1)
            }
            usleep(20_000)
        }
        printError("the daemon did not open \(locations.socket) within 30 s; see \(log)")
        throw ExitCode(1)
    }

    /// The program as it was called (`ppm-lua`, so `ps` and `pgrep` show
    /// that), when that name still finds this very binary or the front that
    /// executes it (`ppm-lua` with this `ppm-lua-full` beside it); else its real path.
    static func ownProgram() -> String {
        var own = stat()
        let real = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "/proc/self/exe"
        guard stat("/proc/self/exe", &own) == 0, let called = CommandLine.arguments.first, !called.isEmpty else { return real }
        let candidates =
            called.contains("/")
            ? [called]
            : (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map { "\($0)/\(called)" }
        for path in candidates {
            var st = stat()
            if stat(path, &st) == 0 && access(path, X_OK) == 0 { return isOwn(st, own) || frontOf(path, own) ? called : real }
        }
        return real
    }

    /// Whether `file` is the binary whose status is `own`.
    private static func isOwn(_ file: stat, _ own: stat) -> Bool { file.st_dev == own.st_dev && file.st_ino == own.st_ino }

    /// Whether `path` is a front whose `ppm-lua-full` is the binary `own`.
    private static func frontOf(_ path: String, _ own: stat) -> Bool {
        guard let resolved = realpath(path, nil) else { return false }
        let real = String(cString: resolved)
        free(resolved)
        var full = stat()
        let beside = (real.lastIndex(of: "/").map { String(real[..<$0]) } ?? ".") + "/ppm-lua-full"
        return stat(beside, &full) == 0 && isOwn(full, own)
    }
}

/// `ppm-lua fdholder SOCKET [IDLE]`: the fd holder the daemon starts (not for users).
struct FDHolderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fdholder", abstract: "Keep the daemon's output pipes open (started by the daemon).", shouldDisplay: false)
    @Argument var socket: String
    @Argument var idleSeconds: Int32 = 600

    func run() throws {
        throw ExitCode(ppm_fdholder_main(socket, idleSeconds))
    }
}
