/// Reads a PETeR XML config with Foundation's `XMLParser` and translates
/// each `<program>` into a service whose `on_exit` carries out its `<exit>`
/// actions (start and stop other programs, start itself again).
struct PeterReader {
    let file: String

    /// The placeholders PETeR fills into a command started by an action.
    static let placeholders: Set<String> = ["NAME", "PID", "RES", "SIG", "UTC"]

    func read(_ text: String) throws(ImportError) -> LuaConfig {
        let root = try XMLTreeBuilder.parse(text, file: file)
        var config = LuaConfig()
        let programsNode: XMLNode
        switch root.name {
        case "peter":
            for child in root.children where child.name != "programs" {
                if child.name == "general" {
                    general(child, into: &config)
                } else {
                    config.untranslated.append(Untranslated(line: child.line, text: child.tag, reason: "not a PETeR section ppm-lua knows"))
                }
            }
            guard let p = root.all("programs").first else { throw ImportError(file, line: root.line, "<peter> has no <programs>") }
            programsNode = p
        case "programs":
            programsNode = root
        default:
            throw ImportError(file, line: root.line, "expected <peter> or <programs>, found <\(root.name)>")
        }
        var programs: [PeterProgram] = []
        for node in programsNode.children {
            guard node.name == "program" else {
                config.untranslated.append(Untranslated(line: node.line, text: node.tag, reason: "only <program> elements go in <programs>"))
                continue
            }
            guard let name = node.attributes["name"], !name.isEmpty else {
                throw ImportError(file, line: node.line, "<program> needs a name=\"…\"")
            }
            guard let cmd = node.all("cmd").first?.text.trimmingSpaces, !cmd.isEmpty else {
                throw ImportError(file, line: node.line, "program '\(name)' has no <cmd>")
            }
            if programs.contains(where: { $0.name == name }) {
                throw ImportError(file, line: node.line, "two programs are named '\(name)'")
            }
            programs.append(PeterProgram(node: node, name: name, cmd: cmd))
        }
        let translator = PeterActions(file: file, programs: programs)
        for program in programs where program.isHelper {
            config.use(.peterFill)
            config.blocks.append(try translator.helper(program))
        }
        for program in programs where !program.isHelper {
            config.blocks.append(.service(try translator.service(program)))
        }
        config.header = [
            "PETeR restarts a program after every exit its <exit> actions do not handle: here",
            "restart = \"always\" (ppm-lua waits its backoff interval, 1 s, first). <exit> actions",
            "become on_exit functions; <init/> is autostart = false.",
        ]
        return config
    }

    private func general(_ node: XMLNode, into config: inout LuaConfig) {
        for child in node.children {
            if child.name == "socket" {
                config.untranslated.append(
                    Untranslated(
                        line: child.line, text: child.tag,
                        reason: "PETeR's XML command socket; ppm-lua is controlled through <home>/ppm.sock (JSON lines, docs/reference/protocol.md)"))
                for allow in child.children {
                    config.untranslated.append(
                        Untranslated(
                            line: allow.line, text: allow.tag + allow.text.trimmingSpaces,
                            reason: "socket allow list: ppm-lua's socket admits only the daemon's user and root"))
                }
            } else {
                config.untranslated.append(Untranslated(line: child.line, text: child.tag, reason: "a setting of PETeR itself"))
            }
        }
    }
}

/// One `<program>` as read.
struct PeterProgram {
    let node: XMLNode
    let name: String
    let cmd: String

    /// Words of `cmd` that PETeR replaces when it starts the program.
    var placeholders: [String] {
        var words: [String] = []
        var word = ""
        for c in cmd + " " {
            if c.isASCII && c.isUppercase {
                word.append(c)
                continue
            }
            if PeterReader.placeholders.contains(word) && !words.contains(word) { words.append(word) }
            word = ""
        }
        return words
    }

    /// `<init/>` with nothing in it: not started with the others.
    var startsOnRequest: Bool {
        guard let initNode = node.all("init").first else { return false }
        return initNode.all("start").isEmpty
    }

    /// A program started only by actions, with placeholders: ppm-lua runs it
    /// through `ppm.spawn` with the values filled in, unsupervised.
    var isHelper: Bool { startsOnRequest && !placeholders.isEmpty }

    /// Lua name of the function that runs a helper.
    var runner: String {
        "run_" + String(name.unicodeScalars.map { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) ? Character($0) : "_" })
    }
}
