// A prototype of a lean `ppm-lua` front (#23 item 4), for measuring only: it answers
// `ppm-lua status` on the unix socket ($PPM_LUA_SOCKET or $PPM_LUA_HOME/ppm.sock) with
// PPMMachine's JSON reader and no other module, and execs `ppm-lua-full` beside it (found
// through /proc/self/exe) with the same argv for anything else. Built by front-prototype.sh.
import Glibc

@main
enum Front {
    static func main() {
        guard Array(CommandLine.arguments.dropFirst()) == ["status"], let path = socketPath() else { execFull() }
        guard let reply = call(path, "status"), let s = reply["result"] else { exit(1) }
        print("pid       \(s["pid"]?.intValue ?? 0)")
        print("uptime    \(s["uptime"]?.doubleValue ?? 0)")
        print("version   \(s["version"]?.stringValue ?? "?")")
        print("config    \(s["config"]?.stringValue ?? "(none)")")
        print("home      \(s["home"]?.stringValue ?? "?")")
        print("services  \(s["services"]?.intValue ?? 0)")
    }

    /// Runs the full program with this argv, or says why it cannot (exit 127).
    static func execFull() -> Never {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let exe = length > 0 ? String(cString: buffer) : CommandLine.arguments[0]
        let full = (exe.lastIndex(of: "/").map { String(exe[..<$0]) } ?? ".") + "/ppm-lua-full"
        execv(full, CommandLine.unsafeArgv)
        fputs("ppm-lua: cannot run \(full): \(String(cString: strerror(errno)))\n", stderr)
        exit(127)
    }

    /// The socket, when the environment names it (the other locations: the full program's).
    static func socketPath() -> String? {
        if let socket = getenv("PPM_LUA_SOCKET"), socket.pointee != 0 { return String(cString: socket) }
        if let home = getenv("PPM_LUA_HOME"), home.pointee != 0 { return String(cString: home) + "/ppm.sock" }
        return nil
    }

    /// One request on the unix socket at `path` and its reply, parsed.
    static func call(_ path: String, _ cmd: String) -> JSONValue? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8.prefix(107))
        withUnsafeMutableBytes(of: &address.sun_path) { raw in for (i, b) in bytes.enumerated() { raw[i] = b } }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else {
            fputs("ppm-lua: no daemon at \(path)\n", stderr)
            exit(3)
        }
        let line = Array(#"{"id":1,"cmd":"\#(cmd)","args":{}}"#.utf8) + [10]
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var reply: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while !reply.contains(10) {
            let got = read(fd, &chunk, chunk.count)
            if got <= 0 { break }
            reply += chunk[0..<got]
        }
        close(fd)
        return try? JSONValue.parse(bytes: reply.prefix { $0 != 10 })
    }
}
