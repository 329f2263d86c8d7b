import ArgumentParser
import Glibc
import PPMClient
import PPMClientCommands

/// `ppm-lua import FILE… [--from FORMAT]`: runs `ppm-lua-import`, the program
/// beside this one that holds the readers. Their parsers need Foundation
/// (FoundationXML for PETeR, Yams for YAML), which the daemon never loads.
struct ImportCommand: ParsableCommand {
    static let formats = ["pmtr", "peter", "ppm", "supervisord", "pm2", "procfile", "systemd"]

    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Translate a pmtr, PETeR, PPM, supervisord, pm2, Procfile or systemd config into a ppm.lua (on stdout).",
        discussion: """
            The format is told from the content unless --from names it. What cannot be translated \
            is kept as a comment naming its line, and listed on stderr. Exit 0 when the result \
            loads as `ppm-lua check` would load it; 1 when the input cannot be read or parsed. \
            Runs the `ppm-lua-import` program installed beside ppm-lua.
            """)

    @Argument(help: "The config file to translate (systemd: one or more .service files, or a folder of them).")
    var files: [String]

    @Option(help: "The source format: \(formats.joined(separator: ", ")).")
    var from: String?

    func validate() throws {
        if files.isEmpty { throw ValidationError("name the config file to translate") }
        if let from, !Self.formats.contains(from) {
            throw ValidationError("unknown format '\(from)' (expected \(Self.formats.joined(separator: ", ")))")
        }
    }

    func run() throws {
        guard let helper = Self.helperPath() else {
            printError("ppm-lua-import is missing: it is built and installed beside ppm-lua (swift build builds both)")
            throw ExitCode(1)
        }
        let args = [helper] + files + (from.map { ["--from", $0] } ?? [])
        var argv = args.map { strdup($0) } + [nil]
        execv(helper, &argv)
        printError("cannot run \(helper): \(String(cString: strerror(errno)))")
        throw ExitCode(1)
    }

    /// `ppm-lua-import` in this executable's folder, else on `PATH`.
    static func helperPath() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        var folders: [String] = []
        if n > 0 {
            let exe = String(decoding: buffer[..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let slash = exe.lastIndex(of: "/") { folders.append(String(exe[..<slash])) }
        }
        folders += (getenv("PATH").map { String(cString: $0) } ?? "").split(separator: ":").map(String.init)
        return folders.map { $0 + "/ppm-lua-import" }.first { access($0, X_OK) == 0 }
    }
}
