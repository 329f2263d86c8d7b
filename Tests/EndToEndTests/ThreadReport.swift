import Foundation

/// What each thread of `pid` is doing, one line each (name, state, kernel
/// wait channel, system call), and its children with their states: for the
/// message of a test that found a process not answering.
func threadReport(_ pid: Int32) -> String {
    func read(_ path: String) -> String {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "?").trimmingCharacters(in: .whitespacesAndNewlines)
    }
    let tasks = ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []).sorted()
    var lines: [String] = []
    var children: [String] = []
    for task in tasks {
        let base = "/proc/\(pid)/task/\(task)"
        let state = read(base + "/status").split(separator: "\n").first { $0.hasPrefix("State:") }.map { $0.dropFirst(6) } ?? "?"
        let syscall = read(base + "/syscall").split(separator: " ").first.map(String.init) ?? "?"
        lines.append(
            "\(task) \(read(base + "/comm")): \(state.trimmingCharacters(in: .whitespaces)), wchan \(read(base + "/wchan")), syscall \(syscall)")
        children += read(base + "/children").split(separator: " ").map(String.init)
    }
    let kids = children.prefix(20).map { child in
        let state = read("/proc/\(child)/status").split(separator: "\n").first { $0.hasPrefix("State:") } ?? "?"
        return "\(child) \(read("/proc/\(child)/comm")) \(state.dropFirst(6).trimmingCharacters(in: .whitespaces))"
    }
    return "threads of \(pid):\n" + lines.joined(separator: "\n") + "\nchildren (\(children.count)): " + kids.joined(separator: "; ")
}
