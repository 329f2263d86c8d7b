import Foundation
import LuaKit
import PPMScript
import Yams

/// One pm2 app (an entry of `apps`) and its translation.
struct Pm2App {
    let node: Node
    let file: String
    let fields: [(key: String, line: Int, value: Node)]
    /// The service name (`name`, else the script's file name).
    var name: String
    /// pm2's name when ppm-lua's had to differ (no spaces or slashes).
    var renamedFrom: String?
    /// `cron_restart`, handled by a timer after the service.
    var cronRestart: (expr: String, line: Int)?

    /// pm2's interpreters by script extension.
    static let interpreters: [String: String] = [
        "js": "node", "cjs": "node", "mjs": "node", "ts": "ts-node", "coffee": "coffee", "sh": "bash",
        "py": "python3", "rb": "ruby", "php": "php", "pl": "perl",
    ]

    /// Keys with no ppm-lua equivalent, and why.
    static let reasons: [String: String] = [
        "pid_file": "ppm-lua keeps each service's pid in <home>/state.jsonl (`ppm-lua ls --json` shows it)",
        "exec_mode": "instances run as separate processes; pm2's cluster mode (one shared port) has no equivalent",
        "max_memory_restart": "no memory limit restarts; a policy can check ppm.stats(name).rss",
        "ignore_watch": "`depends` takes files and globs, without exclusions",
        "log_file": "output is captured per stream; stdout and stderr go to separate files",
        "merge_logs": "each instance has its own captured logs", "combine_logs": "each instance has its own captured logs",
        "log_date_format": "ppm-lua's log timestamps have one format (ISO 8601 UTC)", "source_map_support": "a Node.js option of pm2",
        "wait_ready": "no readiness messages in ppm-lua", "listen_timeout": "no readiness messages in ppm-lua",
        "shutdown_with_message": "ppm-lua stops services with a signal", "vizion": "pm2's version control metadata",
        "pmx": "pm2's monitoring module", "automation": "pm2's monitoring module", "treekill": "ppm-lua always signals the whole process group",
    ]

    init(node: Node, file: String) throws(ImportError) {
        guard let fields = node.entries else { throw ImportError(file, line: node.line, "an app must be a mapping") }
        self.node = node
        self.file = file
        self.fields = fields
        guard let script = fields.first(where: { $0.key == "script" })?.value.text, !script.isEmpty else {
            throw ImportError(file, line: node.line, "app has no `script`")
        }
        let base = script.split(separator: "/").last.map(String.init) ?? script
        name = fields.first { $0.key == "name" }?.value.text ?? String(base.split(separator: ".").first ?? Substring(base))
        let given = name
        name = String(name.map { $0.isWhitespace || $0 == "/" ? "-" : $0 })
        if name != given { renamedFrom = given }
    }

    private func get(_ key: String) -> (key: String, line: Int, value: Node)? { fields.first { $0.key == key } }

    private func words(_ key: String) throws(ImportError) -> [String] {
        guard let f = get(key) else { return [] }
        if let list = f.value.strings, f.value.items != nil { return list }
        guard let text = f.value.text else { throw ImportError(file, line: f.line, "`\(key)` must be a string or a list of strings") }
        do { return try ShellWords.split(text) } catch { throw ImportError(file, line: f.line, "`\(key)`: \(error)") }
    }

    /// Milliseconds: a number, or text with a unit (`"1s"`, `"5m"`).
    private func millis(_ key: String) throws(ImportError) -> Double? {
        guard let f = get(key) else { return nil }
        if let n = f.value.float ?? f.value.int.map(Double.init) { return n }
        guard let t = f.value.text, let s = PPMUnits.seconds(t) else {
            throw ImportError(file, line: f.line, "`\(key)` must be milliseconds or a duration such as 10s")
        }
        return t.allSatisfy(\.isNumber) ? s : s * 1000
    }

    mutating func translate(config: inout LuaConfig) throws(ImportError) -> ServiceBlock {
        var block = ServiceBlock()
        block.comments = ["pm2 app at line \(node.line)"]
        if let renamedFrom, let f = get("name") {
            block.untranslated.append(
                Untranslated(
                    line: f.line, text: "name: \(renamedFrom)",
                    reason: "renamed '\(name)': ppm-lua names have no spaces or slashes"))
        }
        let script = get("script")!.value.text!
        let ext = script.split(separator: "/").last.flatMap { $0.contains(".") ? $0.split(separator: ".").last.map(String.init) : nil }
        var argv: [String] = []
        if let interpreter = get("interpreter")?.value.text ?? get("exec_interpreter")?.value.text {
            if interpreter != "none" { argv = [interpreter] + (try words("interpreter_args")) + (try words("node_args")) }
        } else if let ext, let interpreter = Self.interpreters[ext] {
            argv = [interpreter] + (try words("interpreter_args")) + (try words("node_args"))
            block.comments.append("pm2 runs .\(ext) scripts with \(interpreter == "python3" ? "python" : interpreter)")
        }
        argv += [script] + (try words("args"))
        var instances = 1
        if let f = get("instances") {
            // pm2 takes numeric strings too (`instances: '2'`).
            let count = f.value.int ?? f.value.text.flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            if let n = count, n > 0 {
                instances = n
            } else if f.value.text == "max" || count == 0 || count == -1 {
                let cpus = max(1, ProcessInfo.processInfo.activeProcessorCount - (count == -1 ? 1 : 0))
                instances = cpus
                block.comments.append("instances: \(f.value.text!) is \(cpus) on the machine that imported this")
            } else {
                throw ImportError(file, line: f.line, "`instances` must be a number or \"max\"")
            }
        }
        // `%` is `%i`'s mark in the fields of a service with instances: pm2's text keeps its `%` as `%%`.
        let literal = { (text: String) in instances > 1 ? text.replacingOccurrences(of: "%", with: "%%") : text }
        block.set("name", .string(name))
        if instances > 1 {
            argv = argv.map(literal)
            block.set("instances", .int(instances), comment: "copies \(name)@1 … \(name)@\(instances), group \(name)")
            if let f = get("instances") {
                block.untranslated.append(
                    Untranslated(
                        line: f.line, text: "instances: \(f.value.text ?? String(instances)) (NODE_APP_INSTANCE)",
                        reason: "pm2 numbers instances from 0; ppm-lua's %i and PPM_INSTANCE count from 1, so NODE_APP_INSTANCE is 1 … \(instances)"))
            }
            // pm2 runs node scripts in cluster mode unless told otherwise: one shared port.
            if get("exec_mode") == nil, ext.map({ ["js", "cjs", "mjs"].contains($0) }) ?? false, let f = get("instances") {
                block.untranslated.append(
                    Untranslated(
                        line: f.line, text: "instances: \(instances) (cluster mode, pm2's default for node)",
                        reason: "pm2's instances share one port; these are separate processes: give each its own PORT (e.g. \"30%i\")"))
            }
        }
        block.set("cmd", CommandText.expr(argv))
        if let cwd = get("cwd")?.value.text { block.set("dir", .string(literal(cwd))) }
        var env: [LuaField] = []
        if let f = get("env") {
            guard let vars = f.value.entries else { throw ImportError(file, line: f.line, "`env` must be a mapping") }
            env = vars.map { LuaField($0.key, .string(literal($0.value.text ?? ""))) }
        }
        if instances > 1 { env.append(LuaField(get("instance_var")?.value.text ?? "NODE_APP_INSTANCE", .string("%i"))) }
        if !env.isEmpty { block.set("env", .table(env)) }
        if let user = get("user")?.value.text ?? get("uid")?.value.text { block.set("user", .string(user)) }
        if let group = get("gid")?.value.text { block.set("group", .string(group)) }
        var groups: [String] = []
        if let ns = get("namespace")?.value.text, ns != "default" { groups.append(ns) }
        if !groups.isEmpty { block.set("groups", .array(groups.map { .string($0) })) }
        if get("autostart")?.value.bool == false { block.set("autostart", .bool(false)) }
        if let out = get("out_file")?.value.text ?? get("output")?.value.text { block.set("stdout", .string(literal(out))) }
        if let err = get("error_file")?.value.text ?? get("error")?.value.text { block.set("stderr", .string(literal(err))) }
        if let f = get("watch") {
            if let paths = f.value.strings, f.value.items != nil {
                block.set("depends", .array(paths.map { .string($0) }), comment: "watch")
            } else if f.value.bool == true {
                let folder = get("cwd")?.value.text.map { $0.hasSuffix("/") ? $0 + "**" : $0 + "/**" } ?? "**"
                block.set("depends", .array([.string(folder)]), comment: "watch: true, the app's folder")
            }
        }
        if get("time")?.value.bool == true { block.set("log_timestamps", .bool(true), comment: "time: true") }
        if let kill = try millis("kill_timeout") { block.set("stop_timeout", .number(kill / 1000), comment: "kill_timeout \(Int(kill)) ms") }
        try policy(into: &block, config: &config)
        if let f = get("cron_restart") {
            guard let expr = f.value.text else { throw ImportError(file, line: f.line, "`cron_restart` must be a cron expression") }
            if let problem = CronCheck.problem(expr) {
                block.untranslated.append(Untranslated(line: f.line, text: "cron_restart: \(expr)", reason: problem))
            } else {
                cronRestart = (expr, f.line)
            }
        }
        let handled: Set<String> = [
            "name", "script", "args", "interpreter", "exec_interpreter", "interpreter_args", "node_args", "cwd", "env",
            "instances", "instance_var", "user", "uid", "gid", "namespace", "autostart", "out_file", "output", "error_file",
            "error", "watch", "kill_timeout", "autorestart", "max_restarts", "min_uptime", "restart_delay",
            "exp_backoff_restart_delay", "stop_exit_codes", "cron_restart", "time",
        ]
        for (key, line, value) in fields where !handled.contains(key) {
            if key == "exec_mode" && value.text == "fork" || key == "exec_mode" && instances == 1 { continue }
            let reason =
                key.hasPrefix("env_")
                ? "pm2 --env \(key.dropFirst(4)): import picks `env`; copy these values to use them"
                : Self.reasons[key] ?? "not a pm2 option ppm-lua knows"
            block.untranslated.append(Untranslated(line: line, text: Node.describe(key, value), reason: reason))
        }
        return block
    }

    private func policy(into block: inout ServiceBlock, config: inout LuaConfig) throws(ImportError) {
        if get("autorestart")?.value.bool == false {
            block.set("restart", .string("never"), comment: "autorestart: false")
            return
        }
        var options: [LuaField] = [
            LuaField("min_uptime", .number(try millis("min_uptime") ?? 1000)),
            LuaField("max_restarts", .int(get("max_restarts")?.value.int ?? 16)),
        ]
        if let delay = try millis("restart_delay") { options.append(LuaField("restart_delay", .number(delay))) }
        if let delay = try millis("exp_backoff_restart_delay") { options.append(LuaField("exp_backoff_restart_delay", .number(delay))) }
        if let f = get("stop_exit_codes") {
            let codes = f.value.items?.compactMap(\.int) ?? f.value.int.map { [$0] } ?? []
            guard !codes.isEmpty else { throw ImportError(file, line: f.line, "`stop_exit_codes` must be a number or a list of numbers") }
            options.append(LuaField("stop_exit_codes", .array(codes.map { .int($0) })))
        }
        config.use(.pm2)
        block.set("restart", .code("pm2 " + LuaExpr.table(options).inline))
    }
}
