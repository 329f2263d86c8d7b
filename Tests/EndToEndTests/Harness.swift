import Foundation
import TestProcesses
import Testing

/// The built `ppm-lua`, next to the test bundle (`PPM_LUA_TEST_BINARY`
/// names another one, e.g. an older build to show that a test fails there).
let binary: String = {
    if let other = ProcessInfo.processInfo.environment["PPM_LUA_TEST_BINARY"] { return other }
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    if dir.lastPathComponent.hasSuffix(".xctest") { dir = dir.deletingLastPathComponent() }
    return dir.appendingPathComponent("ppm-lua").path
}()

/// What a finished command printed.
struct Output {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Waits for `condition` up to `seconds` (generous: a loaded machine is slow,
/// and a condition that holds returns at once), checking every 20 ms.
@discardableResult
func eventually(_ seconds: Double = 30, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

/// Whether a process exists (zombies count as gone).
func alive(_ pid: Int32) -> Bool {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return false }
    return !status.contains("State:\tZ")
}

/// Waits for a file holding a pid and reads it.
func pidFile(_ path: String) -> Int32? {
    var pid: Int32?
    eventually {
        pid = (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        return pid != nil
    }
    return pid
}

/// A field of /proc/PID/status, e.g. "SigBlk".
func procStatus(_ pid: Int32, _ field: String) -> String? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
        return line.dropFirst(field.count + 1).trimmingCharacters(in: .whitespaces)
    }
    return nil
}

/// User plus system CPU time of a process, in clock ticks.
func cpuTicks(_ pid: Int32) -> Int {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
}

/// The last lines of a log file (for a failure's message).
func tail(_ path: String) -> String {
    ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").suffix(15).joined(separator: "\n")
}

/// A temporary home, a config, and a daemon run in the foreground as a
/// user would; everything is torn down at the end.
final class Sandbox {
    let dir: String
    var env: [String: String]
    private var daemon: TestProcess?
    private(set) var daemonLog: String

    init() throws {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw SandboxError("\(binary) is missing: run `swift build` before `swift test` (scripts/test.sh does)")
        }
        dir = NSTemporaryDirectory() + "ppm-e2e-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        env = ProcessInfo.processInfo.environment
        env["PPM_LUA_HOME"] = dir + "/home"
        env["PPM_LUA_SOCKET"] = nil
        env["PPM_LUA_CONFIG"] = nil
        daemonLog = dir + "/daemon.log"
    }

    deinit {
        if let d = daemon, d.isRunning {
            _ = run(["quit"], deadline: 20)
            if d.isRunning { kill(d.processIdentifier, SIGKILL) }
        }
        try? FileManager.default.removeItem(atPath: dir)
    }

    var config: String { dir + "/ppm.lua" }

    func write(_ text: String, to name: String = "ppm.lua") throws {
        try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8)
    }

    /// Runs `ppm-lua ARGS…` to completion.
    @discardableResult
    func run(_ args: String..., stdin: String? = nil) -> Output { run(args, stdin: stdin) }

    func run(_ args: [String], stdin: String? = nil) -> Output {
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        let p = try! launch(args, stdout: out, stderr: err, stdin: input)
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Output(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// Runs `ppm-lua ARGS…`, killed after `deadline` seconds (then nil): for
    /// commands that would hang if the daemon were stuck.
    func run(_ args: [String], deadline: Double) -> Output? {
        let outFile = dir + "/out-\(UUID().uuidString.prefix(6))"
        let errFile = outFile + ".err"
        FileManager.default.createFile(atPath: outFile, contents: nil)
        FileManager.default.createFile(atPath: errFile, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: outFile)
            try? FileManager.default.removeItem(atPath: errFile)
        }
        guard
            let p = try? launch(
                args, stdout: FileHandle(forWritingAtPath: outFile)!, stderr: FileHandle(forWritingAtPath: errFile)!,
                stdin: FileHandle.nullDevice)
        else { return nil }
        guard eventually(deadline, { !p.isRunning }) else {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
            return nil
        }
        let read = { (path: String) in (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
        return Output(status: p.terminationStatus, stdout: read(outFile), stderr: read(errFile))
    }

    /// Starts `ppm-lua ARGS…` in the sandbox without waiting for it.
    /// `wrapper` runs it through another program (`unshare …`).
    func launch(_ args: [String], stdout: Any? = nil, stderr: Any? = nil, stdin: Any? = nil, wrapper: [String] = []) throws -> TestProcess {
        let p = TestProcess()
        p.executableURL = URL(fileURLWithPath: wrapper.first ?? binary)
        p.arguments = wrapper.isEmpty ? args : Array(wrapper.dropFirst()) + [binary] + args
        p.environment = env
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        if let stdout { p.standardOutput = stdout }
        if let stderr { p.standardError = stderr }
        if let stdin { p.standardInput = stdin }
        try p.run()
        return p
    }

    /// Starts `ppm-lua daemon -c ppm.lua` in the foreground (through
    /// `wrapper` if given) and waits for its socket.
    func startDaemon(_ extra: [String] = [], wrapper: [String] = []) throws {
        _ = FileManager.default.createFile(atPath: daemonLog, contents: nil)
        let log = FileHandle(forWritingAtPath: daemonLog)!
        let p = try launch(["daemon", "-c", config] + extra, stdout: log, stderr: log, wrapper: wrapper)
        daemon = p
        // Each status with a deadline: a daemon that never answers fails the test instead of hanging it.
        let up = eventually(20) { run(["status"], deadline: 5)?.status == 0 || !p.isRunning }
        guard up, p.isRunning else {
            let how = p.isRunning ? "it runs but did not answer `status` within 20 s" : "it exited with status \(p.terminationStatus)"
            throw SandboxError("daemon did not start (\(how)): " + ((try? String(contentsOfFile: daemonLog, encoding: .utf8)) ?? ""))
        }
    }

    var daemonProcess: TestProcess? { daemon }

    /// Waits for the daemon process to exit and returns its status.
    func waitForDaemonExit(_ seconds: Double = 20) -> Int32? {
        guard let d = daemon else { return nil }
        guard eventually(seconds, { !d.isRunning }) else { return nil }
        return d.terminationStatus
    }

    /// `ls --json` as objects by name.
    func services() -> [String: [String: Any]] {
        let out = run("ls", "--json")
        guard out.status == 0, let data = out.stdout.data(using: .utf8),
            let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        else { return [:] }
        var byName: [String: [String: Any]] = [:]
        for s in list { byName[s["name"] as! String] = s }
        return byName
    }

    func state(_ name: String) -> String? { services()[name]?["state"] as? String }
    func pid(_ name: String) -> Int32? { (services()[name]?["pid"] as? NSNumber)?.int32Value }

    /// The journal as objects (`events --json`).
    func events(_ name: String? = nil, n: Int = 200) -> [[String: Any]] {
        let out = run(["events", "--json", "-n", String(n)] + (name.map { [$0] } ?? []))
        return out.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}

struct SandboxError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
