import PPMMachine

/// One systemd `.service` unit translated into a `ppm.service { … }`
/// (SPEC 10): what has a ppm-lua field is set, the rest is kept as a
/// comment naming its line.
struct SystemdService {
    let unit: SystemdUnit
    /// Names of every unit of the import.
    let imported: Set<String>
    /// Imported units of `Type=oneshot`: declared `wait = true` before their
    /// dependents, which therefore need no `requires` on them.
    let oneshots: Set<String>

    /// Keys read here, by section; any other is kept as a comment.
    static let handled: [String: Set<String>] = [
        "Unit": ["Description", "Documentation", "Requires", "BindsTo", "Wants", "After", "Before"],
        "Service": Set<String>([
            "Type", "ExecStart", "Restart", "User", "Group", "WorkingDirectory", "Environment", "EnvironmentFile",
            "KillSignal", "TimeoutStopSec", "Nice", "CPUAffinity", "StandardOutput", "StandardError", "NoNewPrivileges",
        ]).union(commandKeys).union(limitKeys),
        "Install": ["WantedBy"],
    ]

    /// Keys ppm-lua has no field for (yet), and why.
    static let reasons: [String: String] = [
        "ExecStartPost": "ppm-lua runs nothing after a start; use an on_start hook with ppm.spawn",
        "ExecReload": "ppm-lua has no reload command per service; `ppm-lua signal HUP NAME` sends a signal",
        "RestartSec":
            "ppm-lua restarts after its backoff (1 s, doubling up to 60 s); ppm.settings { backoff = { interval = … } } sets it for all services",
        "WatchdogSec": "ppm-lua has no watchdog for services yet (SPEC 9)",
        "RemainAfterExit": "a finished once service stays `finished` in ppm-lua; dependents are ordered by wait = true",
        "KillMode": "ppm-lua always signals the whole process group (and the service's cgroup when it has one)",
        "PIDFile": "ppm-lua supervises the process it starts; run the program in the foreground",
    ]

    func translate() throws(ImportError) -> ServiceBlock {
        var block = ServiceBlock()
        var notes: [Untranslated] = []
        func skip(_ e: SystemdUnit.Entry, _ reason: String) {
            notes.append(Untranslated(line: e.line, text: "[\(e.section)] " + e.source, reason: reason, file: unit.file))
        }
        block.comments = ["\(ImportFormat.basename(unit.file)) (systemd unit)"]
        if let d = unit.last("Unit", "Description") { block.comments.append(d.value) }
        for d in unit.all("Unit", "Documentation") { block.comments.append("Documentation: " + d.value) }
        block.set("name", .string(unit.name))

        let type = unit.last("Service", "Type")?.value ?? "simple"
        let starts = unit.all("Service", "ExecStart")
        guard let start = starts.first else { throw ImportError(unit.file, line: nil, "no ExecStart= in [Service]") }
        let (argv, viaShell, prefixNote) = try command(start)
        if let prefixNote { skip(start, prefixNote) }
        block.set("cmd", CommandText.expr(argv), comment: viaShell ? "through sh: systemd expands $VARIABLES" : nil)
        for extra in starts.dropFirst() { skip(extra, "ppm-lua runs one command per service; make it a service of its own") }

        if let e = unit.last("Service", "WorkingDirectory") {
            let dir = e.value.hasPrefix("-") ? String(e.value.dropFirst()) : e.value
            if dir.hasPrefix("/") { block.set("dir", .string(dir)) } else { skip(e, "only an absolute folder is translated") }
        }
        if let e = unit.last("Service", "User") { block.set("user", .string(e.value)) }
        if let e = unit.last("Service", "Group") { block.set("group", .string(e.value)) }
        let files = unit.all("Service", "EnvironmentFile").map(\.value)
        if !files.isEmpty { block.set("env_file", files.count == 1 ? .string(files[0]) : .array(files.map { .string($0) })) }
        var env: [LuaField] = []
        for e in unit.all("Service", "Environment") {
            guard let words = SystemdValues.words(e.value) else { throw ImportError(unit.file, line: e.line, "unterminated quote in Environment=") }
            for word in words {
                guard let eq = word.firstIndex(of: "="), eq != word.startIndex else {
                    skip(e, "'\(word)' is not NAME=VALUE")
                    continue
                }
                env.removeAll { $0.key == String(word[..<eq]) }
                env.append(LuaField(String(word[..<eq]), .string(String(word[word.index(after: eq)...]))))
            }
        }
        if !env.isEmpty { block.set("env", .table(env)) }
        output(into: &block, skip: skip)
        if unit.last("Service", "NoNewPrivileges").map({ ["yes", "true", "1", "on"].contains($0.value) }) == true {
            block.set("no_new_privs", .bool(true))
        }
        limits(into: &block, skip: skip)
        cgroupLimits(into: &block, skip: skip)
        if let e = unit.last("Service", "Nice") {
            if let n = Int(e.value), (-20...19).contains(n) { block.set("nice", .int(n)) } else { skip(e, "not a nice value") }
        }
        if let e = unit.last("Service", "CPUAffinity") {
            if let cpus = SystemdValues.cpus(e.value) { block.set("cpu", .array(cpus.map { .int($0) })) } else { skip(e, "not a CPU list") }
        }
        dependencies(into: &block, skip: skip)
        policy(type: type, into: &block, skip: skip)
        if let e = unit.last("Service", "KillSignal") {
            let sig = e.value.uppercased()
            block.set("stop_signal", .string(sig.hasPrefix("SIG") ? String(sig.dropFirst(3)) : sig))
        }
        try commands(into: &block, skip: skip)
        if let e = unit.last("Service", "TimeoutStopSec") {
            if let s = SystemdValues.seconds(e.value) {
                block.set("stop_timeout", .number(s))
            } else {
                skip(e, "ppm-lua always ends with SIGKILL after stop_timeout")
            }
        }
        for e in unit.all("Install", "WantedBy") where !["multi-user.target", "default.target"].contains(e.value) {
            skip(e, "ppm-lua starts every service when the daemon starts (autostart)")
        }
        for e in unit.entries {
            if e.section == "Service" && e.key.hasPrefix("Limit") { continue }
            if Self.handled[e.section]?.contains(e.key) == true { continue }
            skip(e, Self.reasons[e.key] ?? "not a systemd setting ppm-lua translates")
        }
        block.untranslated = notes.sorted { $0.line < $1.line }
        return block
    }

    /// The argv of an `ExecStart=` line; a note when a prefix (`-@+!:`) was dropped.
    func command(_ e: SystemdUnit.Entry) throws(ImportError) -> ([String], Bool, String?) {
        let prefix = e.value.prefix { "-@+!:".contains($0) }
        guard var words = SystemdValues.words(String(e.value.dropFirst(prefix.count))), !words.isEmpty else {
            throw ImportError(unit.file, line: e.line, "ExecStart= is empty or has an unterminated quote")
        }
        if prefix.contains("@") && words.count > 1 { words.remove(at: 1) }
        let (argv, viaShell) = SystemdValues.command(words)
        return (argv, viaShell, prefix.isEmpty ? nil : "the prefix '\(prefix)' (exit status, argv[0], privileges) has no ppm-lua equivalent")
    }

    private func output(into block: inout ServiceBlock, skip: (SystemdUnit.Entry, String) -> Void) {
        var stdoutFile: String?
        for (key, field) in [("StandardOutput", "stdout"), ("StandardError", "stderr")] {
            guard let e = unit.last("Service", key) else { continue }
            let v = e.value
            if let colon = v.firstIndex(of: ":"), ["file", "append", "truncate"].contains(String(v[..<colon])) {
                let path = String(v[v.index(after: colon)...])
                block.set(field, .string(path), comment: v.hasPrefix("append:") ? nil : "ppm-lua appends to the file")
                if field == "stdout" { stdoutFile = path }
            } else if v == "null" {
                block.set(field, .string("/dev/null"))
            } else if field == "stderr", v == "inherit", let stdoutFile {
                block.set(field, .string(stdoutFile))
            } else if !["journal", "inherit", "syslog", "kmsg", "journal+console", "syslog+console", "kmsg+console"].contains(v) {
                skip(e, "ppm-lua captures output to <home>/logs or writes it to a file")
            }
        }
    }

    private func limits(into block: inout ServiceBlock, skip: (SystemdUnit.Entry, String) -> Void) {
        var fields: [LuaField] = []
        for e in unit.entries where e.section == "Service" && e.key.hasPrefix("Limit") {
            let resource = e.key.dropFirst("Limit".count).lowercased()
            guard ResourceLimit.resources[resource] != nil else {
                skip(e, "not a resource limit ppm-lua knows")
                continue
            }
            guard let value = SystemdValues.limit(e.value) else {
                skip(e, "not a limit value (a number, K/M/G/T, infinity or SOFT:HARD)")
                continue
            }
            fields.removeAll { $0.key == resource }
            fields.append(LuaField(resource, value))
        }
        if !fields.isEmpty { block.set("ulimit", .table(fields)) }
    }

    private func dependencies(into block: inout ServiceBlock, skip: (SystemdUnit.Entry, String) -> Void) {
        var requires: [String] = []
        for key in ["Requires", "BindsTo", "Wants", "After", "Before"] {
            for (name, line) in unit.units(key) {
                let e = SystemdUnit.Entry(section: "Unit", key: key, value: name, line: line)
                guard imported.contains(name) else {
                    skip(e, name.contains(".") ? "ppm-lua has no targets, sockets or other unit types" : "'\(name)' is not among the imported units")
                    continue
                }
                guard key == "Requires" || key == "BindsTo" else { continue }  // ordering: the order of the services below
                if oneshots.contains(name) {
                    block.comments.append("\(key)=\(name): a oneshot unit, declared above with wait = true: this one starts once it has exited")
                } else if !requires.contains(name) {
                    requires.append(name)
                }
            }
        }
        if !requires.isEmpty { block.set("requires", .array(requires.map { .string($0) })) }
    }

    private func policy(type: String, into block: inout ServiceBlock, skip: (SystemdUnit.Entry, String) -> Void) {
        let typeEntry = unit.last("Service", "Type")
        switch type {
        case "oneshot":
            block.set("once", .bool(true), comment: "Type=oneshot")
            block.set("wait", .bool(true), comment: "the services below start once it has exited")
        case "simple", "exec": break
        case "notify", "notify-reload":
            skip(typeEntry!, "ppm-lua has no readiness yet (SPEC 9); the service counts as started once spawned")
        case "forking":
            skip(typeEntry!, "ppm-lua supervises the process it starts: run the program in the foreground")
        default:
            skip(typeEntry!, "a start-up type ppm-lua does not have")
        }
        guard type != "oneshot" else {
            if let e = unit.last("Service", "Restart"), e.value != "no" { skip(e, "a oneshot service runs once (once = true)") }
            return
        }
        guard let e = unit.last("Service", "Restart") else {
            block.set("restart", .string("never"), comment: "systemd's default: Restart=no")
            return
        }
        switch e.value {
        case "no": block.set("restart", .string("never"))
        case "always": block.set("restart", .string("always"))
        case "on-failure": block.set("restart", .string("on-failure"))
        case "on-abnormal", "on-abort", "on-watchdog":
            block.set("restart", .string("on-failure"), comment: "Restart=\(e.value): also restarts after a non-zero exit")
        default:
            block.set("restart", .string("never"))
            skip(e, "ppm-lua has no such restart rule; write a restart function")
        }
    }
}
