import Foundation

/// One supervisord `[program:x]` section translated into a service, or into
/// a numeric `for` loop of services when `numprocs` is more than 1.
struct SupervisordProgram {
    let section: IniSection
    let file: String
    /// The config file's folder (`%(here)s`).
    let here: String
    /// The `[group:x]` that lists this program.
    let group: String?
    /// `[supervisord] environment`, which every program inherits.
    let inheritedEnv: [(key: String, value: String, line: Int)]

    /// Keys read here; any other is kept as a comment.
    static let handled: Set<String> = [
        "command", "process_name", "numprocs", "numprocs_start", "directory", "environment", "user", "autostart",
        "autorestart", "exitcodes", "startsecs", "startretries", "stopsignal", "stopwaitsecs", "stdout_logfile",
        "stderr_logfile", "redirect_stderr", "priority", "stopasgroup", "killasgroup", "stdout_logfile_maxbytes",
        "stdout_logfile_backups", "stderr_logfile_maxbytes", "stderr_logfile_backups",
    ]

    /// Keys with no ppm-lua equivalent, and why.
    static let reasons: [String: String] = [
        "umask": "ppm-lua does not set a umask; wrap the command in `sh -c 'umask 022; exec …'`",
        "stdout_capture_maxbytes": "no process communication events in ppm-lua",
        "stderr_capture_maxbytes": "no process communication events in ppm-lua",
        "stdout_events_enabled": "no event listeners in ppm-lua; use ppm.on(...) hooks",
        "stderr_events_enabled": "no event listeners in ppm-lua; use ppm.on(...) hooks",
        "stdout_syslog": "ppm-lua does not write to syslog", "stderr_syslog": "ppm-lua does not write to syslog",
        "serverurl": "services reach the daemon through its socket, <home>/ppm.sock",
    ]

    var name: String { String(section.name.dropFirst("program:".count)) }

    func translate() throws(ImportError) -> (priority: Int, block: ServiceBlock) {
        let name = self.name
        guard !name.isEmpty else { throw ImportError(file, line: section.line, "[program:] needs a name") }
        let numprocs = try int("numprocs") ?? 1
        let start = try int("numprocs_start") ?? 0
        guard numprocs >= 1 else { throw ImportError(file, line: section["numprocs"]!.line, "numprocs must be 1 or more") }
        let processName = section["process_name"]?.value ?? "%(program_name)s"
        if numprocs > 1 && !processName.contains("%(process_num)") {
            throw ImportError(
                file, line: section["process_name"]?.line ?? section.line,
                "with numprocs = \(numprocs), process_name must contain %(process_num)s (as supervisord requires)")
        }
        let expansion = SupervisordExpansion(
            known: [
                "program_name": name, "group_name": group ?? name, "numprocs": String(numprocs), "here": here,
                "host_node_name": ProcessInfo.processInfo.hostName,
            ],
            processNum: numprocs > 1 ? .variable("i") : .value(start))
        func expanded(_ key: String) throws(ImportError) -> LuaExpr? {
            guard let e = section[key] else { return nil }
            return try expansion.expand(e.value, file: file, line: e.line)
        }

        var block = ServiceBlock()
        let priority = try int("priority") ?? 999
        block.comments = [
            "[\(section.name)] at line \(section.line)" + (section.file.map { " of \($0)" } ?? "")
                + (section["priority"] != nil ? ", priority \(priority)" : "")
        ]
        if numprocs > 1 {
            block.loop = .init(variable: "i", from: start, to: start + numprocs - 1)
            block.comments.append("numprocs = \(numprocs): one service per process_num, \(start) to \(start + numprocs - 1)")
        }
        block.set("name", try expansion.expand(processName, file: file, line: section["process_name"]?.line ?? section.line))
        guard let command = try expanded("command") else {
            throw ImportError(file, line: section.line, "[\(section.name)] has no command")
        }
        block.set("cmd", command)
        if let dir = try expanded("directory") { block.set("dir", dir) }
        let env = try environment(expansion)
        if !env.isEmpty { block.set("env", .table(env)) }
        if let user = try expanded("user") { block.set("user", user) }
        if let groups = group.map({ [$0] }) ?? (numprocs > 1 ? [name] : nil) {
            block.set("groups", .array(groups.map { .string($0) }))
        }
        if let autostart = try bool("autostart"), !autostart { block.set("autostart", .bool(false)) }
        try logs(into: &block, expansion)
        try rotation(into: &block)
        if let e = section["stopsignal"] {
            let sig = e.value.uppercased()
            block.set("stop_signal", .string(sig.hasPrefix("SIG") ? String(sig.dropFirst(3)) : sig))
        }
        if let wait = try int("stopwaitsecs") { block.set("stop_timeout", .int(wait)) }
        block.set("restart", try policy())
        for key in ["stopasgroup", "killasgroup"] where try bool(key) == false {
            block.untranslated.append(
                Untranslated(
                    line: section[key]!.line, text: section[key]!.source,
                    reason: "ppm-lua always signals the whole process group"))
        }
        for entry in section.entries where !Self.handled.contains(entry.key) {
            block.untranslated.append(
                Untranslated(
                    line: entry.line, text: entry.source,
                    reason: Self.reasons[entry.key] ?? "not a supervisord program option ppm-lua knows"))
        }
        return (priority, block)
    }

    private func policy() throws(ImportError) -> LuaExpr {
        var autorestart: LuaExpr = .string("unexpected")
        if let e = section["autorestart"] {
            switch e.value.lowercased() {
            case "unexpected": break
            default:
                guard let b = Self.boolean(e.value) else {
                    throw ImportError(file, line: e.line, "autorestart must be true, false or unexpected, got '\(e.value)'")
                }
                autorestart = .bool(b)
            }
        }
        var codes = [0]
        if let e = section["exitcodes"] {
            let parsed = e.value.split(separator: ",").map { Int($0.trimmingSpaces) }
            guard !parsed.isEmpty, parsed.allSatisfy({ $0 != nil }) else {
                throw ImportError(file, line: e.line, "exitcodes must be a comma-separated list of numbers, got '\(e.value)'")
            }
            codes = parsed.compactMap { $0 }
        }
        let options = LuaExpr.table([
            LuaField("autorestart", autorestart), LuaField("exitcodes", .array(codes.map { .int($0) })),
            LuaField("startsecs", .int(try int("startsecs") ?? 1)), LuaField("startretries", .int(try int("startretries") ?? 3)),
        ])
        return .code("supervisord " + options.inline)
    }

    private func logs(into block: inout ServiceBlock, _ expansion: SupervisordExpansion) throws(ImportError) {
        func target(_ key: String) throws(ImportError) -> LuaExpr? {
            guard let e = section[key] else { return nil }
            switch e.value.uppercased() {
            case "AUTO": return nil
            case "NONE": return .string("/dev/null")
            case "SYSLOG":
                block.untranslated.append(Untranslated(line: e.line, text: e.source, reason: "ppm-lua does not write to syslog; output is captured"))
                return nil
            default: return try expansion.expand(e.value, file: file, line: e.line)
            }
        }
        let out = try target("stdout_logfile")
        if let out { block.set("stdout", out) }
        if try bool("redirect_stderr") == true {
            if let out {
                block.set("stderr", out, comment: "redirect_stderr = true")
            } else {
                let e = section["redirect_stderr"]!
                block.untranslated.append(
                    Untranslated(
                        line: e.line, text: e.source,
                        reason: "captured stderr stays in its own log, <home>/logs/NAME.err.log; name a stdout_logfile to share one file"))
            }
        } else if let err = try target("stderr_logfile") {
            block.set("stderr", err)
        }
    }

    /// `*_logfile_maxbytes` and `*_logfile_backups`: one `log_max_size` and
    /// one `log_keep` serve both captured streams in ppm-lua.
    private func rotation(into block: inout ServiceBlock) throws(ImportError) {
        for (suffix, field) in [("maxbytes", "log_max_size"), ("backups", "log_keep")] {
            let entries = ["stdout_logfile_", "stderr_logfile_"].compactMap { section[$0 + suffix] }
            var chosen: Int?
            for e in entries {
                guard let n = suffix == "maxbytes" ? Self.bytes(e.value) : Int(e.value), n >= 0 else {
                    throw ImportError(
                        file, line: e.line, "\(e.key) must be \(suffix == "maxbytes" ? "a size such as 50MB" : "a number"), got '\(e.value)'")
                }
                if suffix == "maxbytes" && n == 0 {
                    block.untranslated.append(
                        Untranslated(line: e.line, text: e.source, reason: "0 turns rotation off; ppm-lua always rotates captured logs"))
                } else if let c = chosen, c != n {
                    block.untranslated.append(
                        Untranslated(line: e.line, text: e.source, reason: "one \(field) serves both streams; the stdout value is kept"))
                } else if chosen == nil {
                    chosen = n
                    block.set(field, .int(n), comment: e.key + " = " + e.value)
                }
            }
        }
    }

    /// supervisord's byte sizes: a number with KB, MB or GB (powers of 1024).
    static func bytes(_ text: String) -> Int? {
        let t = text.uppercased()
        for (unit, scale) in [("KB", 1024), ("MB", 1 << 20), ("GB", 1 << 30)] where t.hasSuffix(unit) {
            return Int(t.dropLast(2).trimmingSpaces).map { $0 * scale }
        }
        return Int(t)
    }

    private func environment(_ expansion: SupervisordExpansion) throws(ImportError) -> [LuaField] {
        var pairs = inheritedEnv
        if let e = section["environment"] {
            for pair in try SupervisordEnvironment.pairs(e.value, file: file, line: e.line) {
                pairs.removeAll { $0.key == pair.key }
                pairs.append((pair.key, pair.value, e.line))
            }
        }
        var fields: [LuaField] = []
        for pair in pairs { fields.append(LuaField(pair.key, try expansion.expand(pair.value, file: file, line: pair.line))) }
        return fields
    }

    private func int(_ key: String) throws(ImportError) -> Int? {
        guard let e = section[key] else { return nil }
        guard let n = Int(e.value) else { throw ImportError(file, line: e.line, "\(key) must be a number, got '\(e.value)'") }
        return n
    }

    private func bool(_ key: String) throws(ImportError) -> Bool? {
        guard let e = section[key] else { return nil }
        guard let b = Self.boolean(e.value) else { throw ImportError(file, line: e.line, "\(key) must be true or false, got '\(e.value)'") }
        return b
    }

    /// supervisord's booleans: true/false, yes/no, on/off, 1/0.
    static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on", "1": true
        case "false", "no", "off", "0": false
        default: nil
        }
    }
}
