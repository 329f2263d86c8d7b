import FoundationEssentials
import Glibc
import PPMClient
import PPMRuntime

/// Where ppm-lua keeps its files (SPEC section 2).
package struct Locations: Sendable {
    /// The daemon's home folder (`$PPM_LUA_HOME`, or a default by user).
    package var home: String
    /// The control socket (`--socket`, `$PPM_LUA_SOCKET`, or `<home>/ppm.sock`).
    package var socket: String
    /// The services' log files.
    package var logs: String { home + "/logs" }
    /// The journal of events.
    package var journal: String { home + "/events.jsonl" }
    /// Running processes and run-time services (an append log, see `StateStore`).
    package var state: String { home + "/state.jsonl" }
    /// The fd holder's socket: it keeps the services' output pipes open across daemon deaths.
    package var fdHolder: String { home + "/fdholder.sock" }

    /// Resolves home and socket from the environment; `socket` overrides.
    package init(socket: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        let variable = { (name: String) in environment[name] }
        let home =
            SocketLocation.home(variable) ?? FileManager.default.homeDirectoryForCurrentUser.path + "/.local/state/ppm-lua"
        self.home = home
        self.socket = SocketLocation.socket(socket, home: home, variable)
    }

    /// Creates home (0700) and its logs folder, and refuses them when they
    /// are not this user's own: a symlink, another owner, or writable by
    /// group or others (the daemon would write through whatever they plant).
    package func create() throws {
        for dir in [home, logs] {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            if let why = Self.unsafe(dir) { throw POSIXFailure("refusing \(dir == home ? "home" : "the logs folder") \(dir): \(why)") }
        }
    }

    /// Why `dir` is not safe to write into as this user, or nil.
    static func unsafe(_ dir: String) -> String? {
        var st = stat()
        guard lstat(dir, &st) == 0 else { return String(cString: strerror(errno)) }
        if (st.st_mode & S_IFMT) == S_IFLNK { return "it is a symbolic link" }
        guard (st.st_mode & S_IFMT) == S_IFDIR else { return "not a directory" }
        if st.st_uid != geteuid() { return "owned by uid \(st.st_uid), not by uid \(geteuid()) that runs the daemon" }
        if st.st_mode & 0o022 != 0 {
            return "writable by group or others (mode \(String(st.st_mode & 0o777, radix: 8))); chmod go-w it"
        }
        return nil
    }

    /// The config file: `-c`, `$PPM_LUA_CONFIG`, `./ppm.lua`,
    /// `~/.config/ppm-lua/ppm.lua`, `/etc/ppm-lua/ppm.lua`; nil if none exists.
    package static func config(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        if let explicit { return absolute(explicit) }
        if let c = environment["PPM_LUA_CONFIG"], !c.isEmpty { return absolute(c) }
        let home = environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
        for candidate in ["ppm.lua", home + "/.config/ppm-lua/ppm.lua", "/etc/ppm-lua/ppm.lua"]
        where FileManager.default.fileExists(atPath: candidate) {
            return absolute(candidate)
        }
        return nil
    }

    /// Plugin folders after the config's own: `~/.config/ppm-lua/plugins`,
    /// `$PPM_LUA_PATH`, then the bundled `plugins/`.
    package static func pluginFolders(environment: [String: String] = ProcessInfo.processInfo.environment) -> [String] {
        let home = environment["HOME"] ?? FileManager.default.homeDirectoryForCurrentUser.path
        var folders = [home + "/.config/ppm-lua/plugins"]
        folders += (environment["PPM_LUA_PATH"] ?? "").split(separator: ":").map(String.init)
        folders += bundledPlugins()
        return folders
    }

    /// The bundled plugins, found from the executable's own path (not the
    /// working directory, not a variable): `<prefix>/share/ppm-lua/plugins`
    /// for a binary installed in `<prefix>/bin` (scripts/install.sh), else
    /// the `plugins/` of the source tree it was built in (`.build/debug`
    /// is `<tree>/.build/<triple>/debug`).
    static func bundledPlugins(executable: String? = nil) -> [String] {
        let exe = executable ?? ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0])
        var dir = URL(fileURLWithPath: absolute(exe)).resolvingSymlinksInPath().deletingLastPathComponent()
        let installed = dir.deletingLastPathComponent().appendingPathComponent("share/ppm-lua/plugins").path
        if FileManager.default.fileExists(atPath: installed + "/backoff.lua") { return [installed] }
        for _ in 0..<5 {
            dir = dir.deletingLastPathComponent()
            let candidate = dir.appendingPathComponent("plugins").path
            if FileManager.default.fileExists(atPath: candidate + "/backoff.lua") { return [candidate] }
        }
        return []
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }
}
