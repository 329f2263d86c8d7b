import Glibc

/// The full program, `ppm-lua-full`, in the folder of this executable (the
/// file `/proc/self/exe` names, so a symbolic link to `ppm-lua` elsewhere
/// still finds it): the daemon, the REPL, TLS clients, help and the rest.
enum FullProgram {
    /// The program's file name.
    static let name = "ppm-lua-full"

    /// Replaces this process with the full program, same arguments (argv[0]
    /// included: `ps` and `pgrep -f` see `ppm-lua`); if it cannot run, says
    /// why in one line and exits 127.
    static func execute() -> Never {
        let path = self.path()
        execv(path, CommandLine.unsafeArgv)
        let why = String(cString: strerror(errno))
        _ = "ppm-lua: cannot run \(path): \(why) (it is installed beside ppm-lua)\n".withCString { write(2, $0, strlen($0)) }
        exit(127)
    }

    /// `<folder of /proc/self/exe>/ppm-lua-full`.
    static func path() -> String {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        var exe = n > 0 ? String(decoding: buffer[..<n], as: UTF8.self) : CommandLine.arguments[0]
        if exe.hasSuffix(" (deleted)") { exe.removeLast(10) }  // replaced meanwhile: the new file is there
        let folder = exe.lastIndex(of: "/").map { String(exe[..<$0]) } ?? "."
        return folder + "/" + name
    }
}
