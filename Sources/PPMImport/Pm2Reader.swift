import LuaKit
import PPMMachine
import Yams

/// Reads a pm2 ecosystem file, JSON (checked strictly by PPMMachine's JSON
/// reader, which gives errors a line) or YAML, with Yams for the line of
/// every key, and translates its `apps`.
struct Pm2Reader {
    let file: String

    func read(_ source: String) throws(ImportError) -> LuaConfig {
        var text = source
        let first = text.unicodeScalars.first { !$0.properties.isWhitespace }
        if first == "{" || first == "[" || first == "/" {
            text = JSComments.blanked(source)  // pm2 reads JSON as JavaScript: comments are fine
            try checkJSON(text)
        }
        let root = try YAMLTree.parse(text, file: file)
        let apps: [Node]
        if let list = root.items {
            apps = list
        } else if let top = root.entries, !top.contains(where: { $0.key == "apps" }), top.contains(where: { $0.key == "script" }) {
            apps = [root]  // one bare app, as pm2 start process.json takes it
        } else if let top = root.entries {
            guard let list = top.first(where: { $0.key == "apps" }) else {
                throw ImportError(file, line: root.line, "no `apps` list (a pm2 ecosystem file has apps: [...])")
            }
            guard let items = list.value.items else { throw ImportError(file, line: list.line, "`apps` must be a list") }
            apps = items
            var config = LuaConfig()
            for (key, line, value) in top where key != "apps" {
                config.untranslated.append(
                    Untranslated(
                        line: line, text: Node.describe(key, value),
                        reason: key == "deploy" ? "pm2 deployment is not a supervisor's job" : "not a pm2 ecosystem section ppm-lua knows"))
            }
            return try translate(apps, into: config)
        } else {
            throw ImportError(file, line: root.line, "expected {\"apps\": [...]} or a list of apps")
        }
        return try translate(apps, into: LuaConfig())
    }

    private func translate(_ apps: [Node], into start: LuaConfig) throws(ImportError) -> LuaConfig {
        var config = start
        var names: Set<String> = []
        for node in apps {
            var app = try Pm2App(node: node, file: file)
            if names.contains(app.name) { app.name += "-\(node.line)" }
            names.insert(app.name)
            let block = try app.translate(config: &config)
            config.blocks.append(.service(block))
            if let cron = app.cronRestart {
                config.use(.restartAt)
                config.blocks.append(
                    .code(
                        comments: ["pm2 cron_restart (line \(cron.line)): restart '\(app.name)' at \(cron.expr)."],
                        lines: ["restart_at(\(LuaLiteral.string(app.name)), \(LuaLiteral.string(cron.expr)))"]))
            }
        }
        config.header = [
            "pm2 restarts an app after any exit, unless autorestart is false; the pm2 policy below",
            "keeps its unstable-restart limit (min_uptime, max_restarts) and its delays.",
        ]
        return config
    }

    /// Strict JSON (RFC 8259): a syntax error names its line and column.
    private func checkJSON(_ text: String) throws(ImportError) {
        let bytes = Array(text.utf8)
        do {
            _ = try JSONValue.parse(bytes: bytes)
        } catch {
            let before = bytes.prefix(min(error.offset, bytes.count))
            let line = before.filter { $0 == 0x0A }.count + 1
            let column = before.count - (before.lastIndex(of: 0x0A).map { $0 + 1 } ?? 0) + 1
            throw ImportError(file, line: line, "JSON: \(error.message) (column \(column))")
        }
    }
}
