import Foundation

/// Reads a supervisord.conf (INI) and translates its `[program:x]`
/// sections into services, `[group:x]` into `groups`, and
/// `[supervisord] environment` into every service's `env`.
struct SupervisordReader {
    let file: String

    /// Sections that configure supervisord itself, and why they have no equivalent.
    static let sectionReasons: [String: String] = [
        "unix_http_server": "ppm-lua's control socket is <home>/ppm.sock (or --socket / PPM_LUA_SOCKET)",
        "inet_http_server": "ppm-lua has no HTTP interface; its control protocol is JSON lines on the socket",
        "supervisorctl": "the client is `ppm-lua` itself",
    ]

    func read(_ text: String) throws(ImportError) -> LuaConfig {
        let sections = try SupervisordIncludes.expand(try IniReader.sections(text, file: file), file: file)
        var config = LuaConfig()
        var inherited: [(key: String, value: String, line: Int)] = []
        var groupOf: [String: String] = [:]
        for section in sections {
            if section.name == "supervisord" {
                for entry in section.entries {
                    if entry.key == "environment" {
                        inherited = try SupervisordEnvironment.pairs(entry.value, file: file, line: entry.line).map { ($0.key, $0.value, entry.line) }
                    } else {
                        config.untranslated.append(
                            Untranslated(
                                line: entry.line, text: "[supervisord] " + entry.source,
                                reason: "a setting of supervisord itself; ppm-lua keeps its files in <home>"))
                    }
                }
            } else if section.name.hasPrefix("group:") {
                let group = String(section.name.dropFirst("group:".count))
                guard let programs = section["programs"] else {
                    throw ImportError(file, line: section.line, "[\(section.name)] has no programs = …")
                }
                for program in programs.value.split(separator: ",").map({ $0.trimmingSpaces }) where !program.isEmpty {
                    guard sections.contains(where: { $0.name == "program:" + program }) else {
                        throw ImportError(file, line: programs.line, "[\(section.name)] lists '\(program)', which has no [program:\(program)]")
                    }
                    groupOf[program] = group
                }
                for entry in section.entries where entry.key != "programs" {
                    config.untranslated.append(
                        Untranslated(
                            line: entry.line, text: "[\(section.name)] " + entry.source,
                            reason: entry.key == "priority"
                                ? "services start in the order of the file; set each program's priority"
                                : "not a group option ppm-lua knows"))
                }
            }
        }
        let here = folder()
        var programs: [(priority: Int, block: ServiceBlock)] = []
        for section in sections {
            if section.name.hasPrefix("program:") {
                let program = SupervisordProgram(
                    section: section, file: section.file ?? file, here: section.file.map(Self.folder(of:)) ?? here,
                    group: groupOf[String(section.name.dropFirst(8))], inheritedEnv: inherited)
                programs.append(try program.translate())
            } else if section.name != "supervisord" && !section.name.hasPrefix("group:") {
                let kind = String(section.name.prefix { $0 != ":" })
                let reason =
                    Self.sectionReasons[kind]
                    ?? (kind == "rpcinterface"
                        ? "ppm-lua's control protocol is fixed (docs/reference/protocol.md)"
                        : kind == "eventlistener"
                            ? "no event listener protocol; ppm.on(type, fn) hooks run Lua on every event"
                            : kind == "fcgi-program"
                                ? "ppm-lua does not open sockets for its services"
                                : "not a supervisord section ppm-lua knows")
                let from = section.file.map { " (in \($0))" } ?? ""
                config.untranslated.append(Untranslated(line: section.line, text: "[\(section.name)]\(from)", reason: reason))
            }
        }
        // supervisord starts lower priorities first; the sort keeps file order for equal ones.
        let ordered = programs.enumerated().sorted { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }
        config.blocks = ordered.map { .service($0.element.block) }
        if !config.blocks.isEmpty { config.use(.supervisord) }
        config.header = [
            "supervisord's priorities are the order of the services below (lower first).",
            "A program's output is captured to <home>/logs/NAME.out.log and NAME.err.log",
            "unless stdout_logfile / stderr_logfile named a file.",
        ]
        return config
    }

    /// The config file's folder, absolute (`%(here)s`).
    private func folder() -> String { Self.folder(of: file) }

    /// A file's folder, absolute (`%(here)s` of the sections it holds).
    static func folder(of file: String) -> String {
        let absolute = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
        return URL(fileURLWithPath: absolute).standardizedFileURL.deletingLastPathComponent().path
    }
}
