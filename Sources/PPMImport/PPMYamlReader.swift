import Foundation
import LuaKit
import Yams

/// Reads a PPM (Partner Process Monitor) YAML config with Yams: `services`
/// with `command: {path, args, env}`, `workdir`, `schedule` (cron) and
/// `watch`, plus the daemon's `restart_interval` and `logger` settings.
struct PPMYamlReader {
    let file: String

    func read(_ text: String) throws(ImportError) -> LuaConfig {
        let root = try YAMLTree.parse(text, file: file)
        guard let top = root.entries else { throw ImportError(file, line: root.line, "expected a mapping with `services:`") }
        var config = LuaConfig()
        var sawServices = false
        for (key, line, value) in top {
            switch key {
            case "services":
                guard let list = value.items else { throw ImportError(file, line: line, "`services` must be a list") }
                sawServices = true
                for item in list { config.blocks.append(.service(try service(item, config: &config))) }
            case "restart_interval":
                let interval = try duration(value, key: key)
                config.settings.append(
                    LuaField(
                        "backoff", .table([LuaField("interval", .number(interval))]),
                        comment: "restart_interval: PPM's backoff base, interval * 2^(n-1)"))
            case "logger":
                try logger(value, into: &config)
            case "stats_interval":
                config.untranslated.append(
                    Untranslated(
                        line: line, text: Node.describe(key, value),
                        reason: "ppm-lua samples on request: `ppm-lua stats`, ppm.stats(name)"))
            case "watch_restart_interval":
                config.untranslated.append(
                    Untranslated(
                        line: line, text: Node.describe(key, value),
                        reason: "`depends` restarts are debounced 1 s in ppm-lua"))
            case "clock_check_interval":
                config.untranslated.append(
                    Untranslated(
                        line: line, text: Node.describe(key, value),
                        reason: "ppm-lua's timers run on the monotonic clock; no check is needed"))
            default:
                config.untranslated.append(Untranslated(line: line, text: Node.describe(key, value), reason: "not a PPM setting ppm-lua knows"))
            }
        }
        guard sawServices else { throw ImportError(file, line: root.line, "no `services:` list") }
        config.header = [
            "PPM restarts a crashed service with backoff, interval * 2^(n-1), and leaves a finished",
            "one (exit 0, a one-shot) down: ppm-lua's default policy does the same.",
        ]
        return config
    }

    private func service(_ node: Node, config: inout LuaConfig) throws(ImportError) -> ServiceBlock {
        guard let fields = node.entries else { throw ImportError(file, line: node.line, "a service must be a mapping") }
        let get = { (key: String) in fields.first { $0.key == key } }
        guard let name = get("name")?.value.text, !name.isEmpty else { throw ImportError(file, line: node.line, "service has no `name`") }
        guard let command = get("command") else { throw ImportError(file, line: node.line, "service '\(name)' has no `command`") }
        var block = ServiceBlock()
        block.comments = ["PPM service at line \(node.line)" + (get("id")?.value.text.map { ", id \($0)" } ?? "")]
        block.set("name", .string(name))
        var env: [LuaField] = []
        if let path = command.value.text {
            block.set("cmd", CommandText.expr([path]))
        } else if let parts = command.value.entries {
            guard let path = parts.first(where: { $0.key == "path" })?.value.text, !path.isEmpty else {
                throw ImportError(file, line: command.line, "`command` needs a `path`")
            }
            var argv = [path]
            for (key, line, value) in parts {
                switch key {
                case "path": break
                case "args":
                    guard let args = value.strings else { throw ImportError(file, line: line, "`args` must be a list of strings") }
                    argv += args
                case "env":
                    guard let vars = value.entries else { throw ImportError(file, line: line, "`env` must be a mapping") }
                    env = vars.map { LuaField($0.key, .string($0.value.text ?? "")) }
                default:
                    block.untranslated.append(Untranslated(line: line, text: Node.describe(key, value), reason: "not a PPM command field"))
                }
            }
            block.set("cmd", CommandText.expr(argv))
        } else {
            throw ImportError(file, line: command.line, "`command` must be a mapping {path, args, env}")
        }
        if !env.isEmpty { block.set("env", .table(env)) }
        for (key, line, value) in fields {
            switch key {
            case "name", "command", "id": break
            case "workdir":
                guard let dir = value.text else { throw ImportError(file, line: line, "`workdir` must be a string") }
                block.set("dir", .string(dir))
            case "schedule":
                guard let expr = value.text else { throw ImportError(file, line: line, "`schedule` must be a cron expression") }
                if let problem = CronCheck.problem(expr) {
                    block.untranslated.append(Untranslated(line: line, text: "schedule: \(expr)", reason: problem))
                } else {
                    config.use(.cron)
                    block.set("restart", .code("cron { \(LuaLiteral.string(expr)) }"), comment: "schedule: started again at these times")
                }
            case "watch":
                block.set(
                    "depends", .array(try watch(value, line: line, block: &block).map { .string($0) }),
                    comment: "watch: restarted when these change")
            default:
                block.untranslated.append(Untranslated(line: line, text: Node.describe(key, value), reason: "not a PPM service field"))
            }
        }
        return block
    }

    /// `watch`: paths (folders are watched whole), or `{paths, include}`.
    private func watch(_ node: Node, line: Int, block: inout ServiceBlock) throws(ImportError) -> [String] {
        if let paths = node.strings { return paths.map(Self.whole) }
        guard let parts = node.entries, let paths = parts.first(where: { $0.key == "paths" })?.value.strings else {
            throw ImportError(file, line: line, "`watch` must be paths or {paths, include, exclude, max_depth}")
        }
        let include = parts.first { $0.key == "include" }?.value.strings
        for (key, keyLine, value) in parts where key == "exclude" || key == "max_depth" {
            block.untranslated.append(
                Untranslated(
                    line: keyLine, text: "watch " + Node.describe(key, value),
                    reason: "`depends` takes files and globs to watch, without exclusions or depth"))
        }
        guard let include else { return paths.map(Self.whole) }
        return paths.flatMap { path in include.map { glob in "\(path.hasSuffix("/") ? String(path.dropLast()) : path)/**/\(glob)" } }
    }

    /// PPM watches folders: one stands for everything under it. A glob, or a
    /// path that is a file here, stands for itself.
    private static func whole(_ path: String) -> String {
        var isFolder: ObjCBool = false
        if path.contains("*") || FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && !isFolder.boolValue { return path }
        return (path.hasSuffix("/") ? String(path.dropLast()) : path) + "/**"
    }

    private func logger(_ node: Node, into config: inout LuaConfig) throws(ImportError) {
        guard let parts = node.entries else { throw ImportError(file, line: node.line, "`logger` must be a mapping") }
        for (key, line, value) in parts {
            switch key {
            case "max_files":
                guard let n = value.int else { throw ImportError(file, line: line, "`max_files` must be a number") }
                config.settings.append(LuaField("log_keep", .int(n), comment: "logger.max_files"))
            case "max_file_size":
                guard let bytes = value.text.flatMap(PPMUnits.bytes) else {
                    throw ImportError(file, line: line, "`max_file_size` must be a size such as 20MiB")
                }
                config.settings.append(LuaField("log_max_size", .int(bytes), comment: "logger.max_file_size = \(value.text!)"))
            case "path":
                config.untranslated.append(
                    Untranslated(
                        line: line, text: "logger " + Node.describe(key, value),
                        reason: "logs go to <home>/logs: set PPM_LUA_HOME, or stdout/stderr per service"))
            default:
                config.untranslated.append(
                    Untranslated(
                        line: line, text: "logger " + Node.describe(key, value),
                        reason: "not a log setting ppm-lua has"))
            }
        }
    }

    private func duration(_ node: Node, key: String) throws(ImportError) -> Double {
        guard let s = node.text.flatMap(PPMUnits.seconds) else {
            throw ImportError(file, line: node.line, "`\(key)` must be a duration such as 1s or 1h30m")
        }
        return s
    }
}
