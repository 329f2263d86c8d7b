import Foundation

/// A real terminal for the tests of `ppm-lua top`: a tmux server of the
/// test's own (its own socket name), one window of a given size running a
/// plain bash with a known prompt; keys go in with `send-keys`, the screen
/// comes back with `capture-pane`. Only this server is killed at the end.
final class TerminalDriver {
    /// tmux, when installed (`scripts/ensure-deps.sh --tests` installs it).
    static let tmux: String? = ["/usr/bin/tmux", "/usr/local/bin/tmux", "/bin/tmux"].first { FileManager.default.isExecutableFile(atPath: $0) }
    /// The shell's prompt: seen again once `top` has given the terminal back.
    static let prompt = "top-test$ "

    private let socket = "ppm-top-" + UUID().uuidString.prefix(8)

    /// Starts the server with a `width`×`height` window running bash in `dir` with `environment`.
    init(width: Int, height: Int, dir: String, environment: [String: String]) throws {
        var env = environment
        env["PS1"] = Self.prompt
        env["TERM"] = "xterm-256color"
        env["TMUX"] = nil
        let out = tmux(
            [
                "-f", "/dev/null", "new-session", "-d", "-x", "\(width)", "-y", "\(height)", "-c", dir,
                "env PS1='\(Self.prompt)' bash --norc --noprofile -i",
            ], environment: env)
        guard out.status == 0 else { throw SandboxError("tmux did not start: \(out.text)") }
        _ = tmux(["set-option", "-g", "status", "off"])
    }

    deinit { _ = tmux(["kill-server"]) }

    /// Types `keys` (tmux key names: `Enter`, `Escape`, `Up`; else literal text).
    func send(_ keys: String...) {
        _ = tmux(["send-keys", "-t", "0"] + keys)
    }

    /// Types `text` literally.
    func type(_ text: String) {
        _ = tmux(["send-keys", "-t", "0", "-l", text])
    }

    /// The screen's lines as shown, trailing spaces cut.
    func screen() -> [String] {
        let out = tmux(["capture-pane", "-p", "-t", "0"])
        var lines = out.text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0.reversed().drop { $0 == " " }.reversed()) }
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// A tmux format of the pane (`#{alternate_on}`, `#{pane_pid}`).
    func pane(_ format: String) -> String {
        tmux(["display-message", "-p", "-t", "0", format]).text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Whether the program in the pane shows the alternate screen.
    var alternateScreen: Bool { pane("#{alternate_on}") == "1" }

    /// Resizes the window (the program gets SIGWINCH).
    func resize(width: Int, height: Int) {
        _ = tmux(["resize-window", "-t", "0", "-x", "\(width)", "-y", "\(height)"])
    }

    /// The pids of the shell's children (the command it runs).
    func shellChildren() -> [Int32] {
        guard let shell = Int32(pane("#{pane_pid}")),
            let text = try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)
        else { return [] }
        return text.split(separator: " ").compactMap { Int32($0) }
    }

    /// Runs `tmux -L SOCKET ARGS…` and waits for it. Spawned here with an
    /// empty signal mask (the test's threads block signals, which the server
    /// `new-session` forks would inherit: it would never see SIGCHLD) and
    /// reaped here; output goes through a file, so the server holds no pipe of ours.
    private func tmux(_ args: [String], environment: [String: String]? = nil) -> (status: Int32, text: String) {
        let file = NSTemporaryDirectory() + "tmux-out-" + UUID().uuidString.prefix(8)
        defer { unlink(file) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, file, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv = [Self.tmux ?? "tmux", "-L", socket] + args
        let env = (environment ?? ProcessInfo.processInfo.environment).map { "\($0.key)=\($0.value)" }
        var cArgs = argv.map { strdup($0) } + [nil]
        var cEnv = env.map { strdup($0) } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, &attributes, &cArgs, &cEnv) == 0 else { return (-1, "") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return ((status >> 8) & 0xff, (try? String(contentsOfFile: file, encoding: .utf8)) ?? "")
    }
}
