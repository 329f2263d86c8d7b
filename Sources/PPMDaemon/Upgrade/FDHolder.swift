import CSystem
import Glibc
import PPMCore

/// The daemon's side of the fd holder (Sources/CSystem/fdholder.c): a small
/// process, started once, that keeps a copy of every output pipe. When the
/// daemon is killed the services' pipes stay open (a writer blocks once its
/// pipe is full instead of dying of SIGPIPE); the next daemon connects to
/// the same holder and takes the pipes back. A holder left without a daemon
/// for 10 minutes exits. Confined to the loop (calls block for at most 2 s).
///
/// A holder answers each `put` ("ok", or "lost REASON" when its descriptor
/// table is full) once asked with "acks", which `takeAll` sends before its
/// "get"; one started by an older daemon does not answer "acks", and its
/// `put`s go unanswered as before.
final class FDHolder: PipeKeeper {
    /// Seconds a holder waits for a daemon before it gives the pipes up.
    static let idleSeconds: Int32 = 600
    private var sock: Int32
    /// Whether the holder answers each `put`.
    private(set) var acks = false

    private init(sock: Int32) { self.sock = sock }

    deinit { if sock >= 0 { close(sock) } }

    /// Connects to the holder at `path`, starting one (this executable's
    /// hidden `fdholder` command) when none answers; nil if that fails too.
    static func connectOrStart(path: String) -> FDHolder? {
        let fd = ppm_fdholder_connect(path)
        if fd >= 0 { return FDHolder(sock: fd) }
        var spec = ServiceSpec(name: "ppm-lua fd holder", cmd: command(path))
        spec.stdout = "/dev/null"
        spec.stderr = "/dev/null"
        // Four descriptors per service: as many as the daemon may open.
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            spec.ulimit = [ResourceLimit(name: "nofile", soft: UInt64(limit.rlim_cur), hard: UInt64(limit.rlim_max))]
        }
        // A spawner of its own: the holder is not a service (it carries no service marks).
        guard case .success = LinuxSpawner().spawn(spec) else { return nil }
        // Up to 5 s: a loaded machine may take a while to start a program.
        for _ in 0..<500 {
            let fd = ppm_fdholder_connect(path)
            if fd >= 0 { return FDHolder(sock: fd) }
            usleep(10_000)
        }
        return nil
    }

    /// `ppm-lua-fdholder` next to the daemon's executable (a small C
    /// program), else the daemon's own hidden `fdholder` command.
    private static func command(_ path: String) -> [String] {
        let exe = Upgrader.executablePath()
        let small = (exe.lastIndex(of: "/").map { String(exe[..<$0]) } ?? ".") + "/ppm-lua-fdholder"
        if access(small, X_OK) == 0 { return [small, path, String(idleSeconds)] }
        return [exe, "fdholder", path, String(idleSeconds)]
    }

    /// The read end of every pipe the holder keeps, by key (`NAME.out`,
    /// `NAME.err`), at most `budget` of them: the holder keeps the write
    /// ends (closed here at once; a child gets one from /proc/self/fd/READ).
    /// `lost`: the keys past the budget, which stay with the holder unread.
    func takeAll(budget: Int) -> (pipes: [String: (read: Int32, write: Int32)], lost: [String]) {
        guard ppm_fdholder_send(sock, "acks", -1, -1) == 0, ppm_fdholder_send(sock, "get", -1, -1) == 0 else { return ([:], []) }
        var pipes: [String: (read: Int32, write: Int32)] = [:]
        var lost: [String] = []
        var name = [CChar](repeating: 0, count: 512)
        var fds: [Int32] = [-1, -1]
        while ppm_fdholder_receive(sock, &name, name.count, &fds) == 1 {
            if fds[1] >= 0 { close(fds[1]) }
            let key = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if fds[0] < 0 && key == "acks" { acks = true }  // keys end in .out or .err: never "acks"
            guard fds[0] >= 0 else { continue }
            if pipes.count < budget {
                pipes[key] = (fds[0], -1)
            } else {
                close(fds[0])
                lost.append(key)
            }
        }
        return (pipes, lost)
    }

    /// Hands both ends of pipe `key` to the holder; the reason when it says
    /// it could not keep them (or the request failed), nil when kept or
    /// when an older holder does not say.
    func keep(_ key: String, read: Int32, write: Int32) -> String? {
        guard ppm_fdholder_send(sock, "put " + key, read, write) == 0 else {
            return "the fd holder did not take it (\(String(cString: strerror(errno))))"
        }
        guard acks else { return nil }
        var reply = [CChar](repeating: 0, count: 512)
        var fds: [Int32] = [-1, -1]
        guard ppm_fdholder_receive(sock, &reply, reply.count, &fds) == 1 else { return "the fd holder did not answer" }
        for fd in fds where fd >= 0 { close(fd) }
        let text = String(decoding: reply.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text == "ok" { return nil }
        return text.hasPrefix("lost ") ? String(text.dropFirst(5)) : "the fd holder answered '\(text)'"
    }

    func release(_ key: String) { _ = ppm_fdholder_send(sock, "drop " + key, -1, -1) }

    /// Ends the holder (the daemon is exiting and every service has stopped).
    func quit() { _ = ppm_fdholder_send(sock, "quit", -1, -1) }
}
