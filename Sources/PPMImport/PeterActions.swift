import LuaKit

/// Turns PETeR programs into services and helpers: `<init>` into
/// `autostart`/`start_after`, `<exit>` actions into `on_exit` code.
struct PeterActions {
    let file: String
    let programs: [PeterProgram]

    func service(_ p: PeterProgram) throws(ImportError) -> ServiceBlock {
        var block = ServiceBlock()
        block.comments = ["<program name=\"\(p.name)\"> at line \(p.node.line)"]
        block.set("name", .string(p.name))
        block.set("cmd", .string(p.cmd))
        if !p.placeholders.isEmpty {
            block.untranslated.append(
                Untranslated(
                    line: p.node.line, text: "placeholders \(p.placeholders.joined(separator: " ")) in <cmd>",
                    reason: "filled only when an action starts a program; this one also starts with the others, so they stay as written"))
        }
        if let initNode = p.node.all("init").first {
            if p.startsOnRequest {
                block.set("autostart", .bool(false), comment: "<init/>: started only by an action")
            }
            for start in initNode.children {
                if start.name == "start", start.attributes["name"] == nil || start.attributes["name"] == p.name {
                    if let after = try seconds(start) { block.set("start_after", .number(after), comment: "<init><start after>") }
                } else {
                    block.untranslated.append(
                        Untranslated(
                            line: start.line, text: start.tag,
                            reason: "<init> only delays the program's own first start in ppm-lua"))
                }
            }
        }
        block.set("restart", .string("always"), comment: "PETeR's default action: start again")
        var untranslated: [Untranslated] = []
        let body = try exitBranches(p, event: "ev", untranslated: &untranslated) { after in
            ["return { action = \"restart\", after = \(LuaExpr.number(after ?? 0).inline) }"]
        }
        if !body.isEmpty {
            let code = ["function(ev)"] + body.map { "  " + $0 } + ["  -- any other exit: restart = \"always\"", "end"]
            block.set("on_exit", .code(code.joined(separator: "\n")))
        }
        for child in p.node.children where !["cmd", "init", "actions"].contains(child.name) {
            untranslated.append(Untranslated(line: child.line, text: child.tag, reason: "not a PETeR program setting ppm-lua knows"))
        }
        for attribute in p.node.attributes.keys.sorted() where attribute != "name" {
            untranslated.append(
                Untranslated(
                    line: p.node.line, text: "\(attribute)=\"\(p.node.attributes[attribute]!)\"",
                    reason: "not a PETeR program attribute ppm-lua knows"))
        }
        block.untranslated += untranslated
        return block
    }

    func helper(_ p: PeterProgram) throws(ImportError) -> LuaBlock {
        var untranslated: [Untranslated] = []
        let body = try exitBranches(p, event: "done", untranslated: &untranslated) { after in
            after.map { ["ppm.after(\(LuaExpr.number($0).inline), function() \(p.runner)(ev) end)", "return"] } ?? ["\(p.runner)(ev)", "return"]
        }
        let cmd = "peter_fill(\(LuaLiteral.string(p.cmd)), ev)"
        var lines = (isFirstHelper(p) ? ["local " + programs.filter(\.isHelper).map(\.runner).joined(separator: ", ")] : [])
        lines.append("function \(p.runner)(ev)")
        if body.isEmpty {
            lines.append("  ppm.spawn(\(cmd))")
        } else {
            lines.append("  ppm.spawn(\(cmd), { on_exit = function(done)")
            lines += body.map { "    " + $0 }
            lines.append("  end })")
        }
        lines.append("end")
        let comments =
            [
                "<program name=\"\(p.name)\"> at line \(p.node.line): <init/> and the placeholders \(p.placeholders.joined(separator: " ")):",
                "other programs' exit actions run it with the values of their exit filled in, through",
                "ppm.spawn (unsupervised; not listed by `ppm-lua ls`).",
            ] + untranslated.map(LuaWriter.describe)
        return .code(comments: comments, lines: lines)
    }

    private func isFirstHelper(_ p: PeterProgram) -> Bool { programs.first(where: \.isHelper)?.name == p.name }

    /// `if … then … end` for each `<exit>`; `again` writes the program's own
    /// restart (after an optional delay).
    private func exitBranches(
        _ p: PeterProgram, event: String, untranslated: inout [Untranslated],
        again: (Double?) -> [String]
    ) throws(ImportError) -> [String] {
        var lines: [String] = []
        for actions in p.node.all("actions") {
            for exit in actions.children {
                guard exit.name == "exit" else {
                    untranslated.append(Untranslated(line: exit.line, text: exit.tag, reason: "only <exit> actions exist in ppm-lua"))
                    continue
                }
                var conditions: [String] = []
                for (key, value) in exit.attributes.sorted(by: { $0.key < $1.key }) {
                    guard let n = Int(value), n >= 0 else {
                        throw ImportError(file, line: exit.line, "<exit \(key)=\"\(value)\">: expected a number")
                    }
                    switch key {
                    case "result": conditions.append("\(event).result == \(n)")
                    // The manual's example 3 reads <exit signal="0"> as "when it crashes": any signal.
                    case "signal": conditions.append(n == 0 ? "\(event).signal ~= nil" : "\(event).signal == \(n)")
                    default:
                        untranslated.append(
                            Untranslated(line: exit.line, text: "\(key)=\"\(value)\"", reason: "<exit> matches result and signal only"))
                    }
                }
                lines.append(
                    "if \(conditions.isEmpty ? "true" : conditions.joined(separator: " and ")) then  -- \(LuaWriter.visible(exit.tag)) at line \(exit.line)"
                )
                var selfStart: Double??
                for action in exit.children {
                    let target = action.attributes["name"]
                    let isSelf = target == nil || target == p.name
                    switch action.name {
                    case "start" where isSelf: selfStart = .some(try seconds(action))
                    case "start": lines.append("  " + (try start(target!, after: try seconds(action), line: action.line)))
                    case "stop" where isSelf: break
                    case "stop":
                        guard let other = programs.first(where: { $0.name == target }) else {
                            throw ImportError(file, line: action.line, "<stop name=\"\(target!)\">: no program has that name")
                        }
                        if other.isHelper {
                            untranslated.append(
                                Untranslated(line: action.line, text: action.tag, reason: "'\(other.name)' runs unsupervised and cannot be stopped"))
                        } else {
                            lines.append("  ppm.stop(\(LuaLiteral.string(other.name)))")
                        }
                    default:
                        untranslated.append(Untranslated(line: action.line, text: action.tag, reason: "<exit> actions are <start> and <stop>"))
                    }
                }
                if let after = selfStart {
                    lines += again(after).map { "  " + $0 }
                } else {
                    lines.append(event == "ev" ? "  return \"stop\"" : "  return")
                }
                lines.append("end")
            }
        }
        return lines
    }

    private func start(_ name: String, after: Double?, line: Int) throws(ImportError) -> String {
        guard let other = programs.first(where: { $0.name == name }) else {
            throw ImportError(file, line: line, "<start name=\"\(name)\">: no program has that name")
        }
        if other.isHelper {
            return after.map { "ppm.after(\(LuaExpr.number($0).inline), function() \(other.runner)(ev) end)" } ?? "\(other.runner)(ev)"
        }
        return after.map { "ppm.start(\(LuaLiteral.string(name)), { after = \(LuaExpr.number($0).inline) })" }
            ?? "ppm.start(\(LuaLiteral.string(name)))"
    }

    private func seconds(_ node: XMLNode) throws(ImportError) -> Double? {
        guard let text = node.attributes["after"] else { return nil }
        guard let s = Double(text), s >= 0 else { throw ImportError(file, line: node.line, "after=\"\(text)\": expected seconds") }
        return s
    }
}
