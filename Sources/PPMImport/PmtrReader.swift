import LuaKit
import PPMMachine
import PPMScript

/// Reads a pmtr.conf (pmtr 1.7: `job { ... }` blocks, `report to`, `listen
/// on`) by its grammar, and translates each job into a `ppm.service`.
struct PmtrReader {
    let file: String
    private var tokens: [PmtrToken] = []
    private var at = 0
    private var config = LuaConfig()

    init(file: String) { self.file = file }

    /// bash `ulimit` flags and the prlimit names ppm-lua uses.
    static let ulimitFlags: [String: String] = [
        "-c": "core", "-d": "data", "-e": "nice", "-f": "fsize", "-i": "sigpending", "-l": "memlock",
        "-m": "rss", "-n": "nofile", "-q": "msgqueue", "-r": "rtprio", "-s": "stack", "-t": "cpu",
        "-u": "nproc", "-v": "as", "-x": "locks",
    ]

    mutating func read(_ text: String) throws(ImportError) -> LuaConfig {
        tokens = try PmtrLexer.tokens(text, file: file)
        var jobs: [(order: Int?, block: ServiceBlock)] = []
        while let t = next() {
            switch (t.text, t.startsLine) {
            case ("job", true):
                jobs.append(try job(opening: t))
            case ("report", true):
                let url = try value(after: t, word: "to")
                plugin(
                    "report", "report to \(url)", line: t.line, call: "{ to = \(LuaLiteral.string(url)), every = 10 }",
                    does: "a status datagram every 10 s", missing: "no status is sent")
            case ("listen", true):
                let url = try value(after: t, word: "on")
                plugin(
                    "listen", "listen on \(url)", line: t.line, call: "{ on = \(LuaLiteral.string(url)) }",
                    does: "`enable NAME` / `disable NAME` datagrams", missing: "datagrams are not read")
            default:
                throw ImportError(file, line: t.line, "unexpected '\(t.raw)' (expected `job {`, `report to` or `listen on`)")
            }
        }
        // pmtr starts jobs in file order unless `order` says otherwise.
        let sorted = jobs.enumerated().sorted { a, b in
            (a.element.order ?? 0, a.offset) < (b.element.order ?? 0, b.offset)
        }.map(\.element.block)
        if sorted.contains(where: { $0.value("restart") != nil }) { config.use(.pmtr) }
        config.header += [
            "pmtr sends a job's output to /dev/null unless `out`/`err` name a file; ppm-lua",
            "captures it to <home>/logs/NAME.out.log and NAME.err.log instead.",
        ]
        config.blocks = sorted.map { .service($0) } + config.blocks
        return config
    }

    /// Calls a hooks plugin (`report`, `listen`) when it is installed, else logs a warning.
    private mutating func plugin(_ name: String, _ source: String, line: Int, call: String, does: String, missing: String) {
        config.use(.plugin)
        config.blocks.append(
            .code(
                comments: ["pmtr `\(source)` (line \(line)): \(does), by the `\(name)` plugin."],
                lines: [
                    "local \(name) = plugin(\(LuaLiteral.string(name)))",
                    "if \(name) then",
                    "  \(name) \(call)",
                    "else",
                    "  ppm.log.warn(\(LuaLiteral.string("\(source): the \(name) plugin is not installed; \(missing)")))",
                    "end",
                ]))
    }

    private mutating func next() -> PmtrToken? {
        guard at < tokens.count else { return nil }
        defer { at += 1 }
        return tokens[at]
    }

    /// The tokens after `keyword` on its own line.
    private mutating func arguments(of keyword: PmtrToken) -> [PmtrToken] {
        var args: [PmtrToken] = []
        while at < tokens.count, !tokens[at].startsLine {
            args.append(tokens[at])
            at += 1
        }
        return args
    }

    private mutating func one(_ keyword: PmtrToken) throws(ImportError) -> String {
        let args = arguments(of: keyword)
        guard args.count == 1 else {
            throw ImportError(file, line: keyword.line, "'\(keyword.text)' takes one value, found \(args.count)")
        }
        return args[0].text
    }

    private mutating func flag(_ keyword: PmtrToken) throws(ImportError) {
        guard arguments(of: keyword).isEmpty else {
            throw ImportError(file, line: keyword.line, "'\(keyword.text)' takes no value")
        }
    }

    private mutating func value(after keyword: PmtrToken, word: String) throws(ImportError) -> String {
        let args = arguments(of: keyword)
        guard args.count == 2, args[0].text == word else {
            throw ImportError(file, line: keyword.line, "expected `\(keyword.text) \(word) udp://HOST:PORT`")
        }
        return args[1].text
    }

    /// `{ word… }` over one or more lines, as `depends` and `ulimit` take.
    private mutating func block(of keyword: PmtrToken) throws(ImportError) -> [PmtrToken] {
        var words: [PmtrToken] = []
        while let t = next() {
            if t.text == "}" && t.startsLine { return words }
            words.append(t)
        }
        throw ImportError(file, line: keyword.line, "'\(keyword.text) {' is not closed by '}'")
    }

    private mutating func job(opening: PmtrToken) throws(ImportError) -> (Int?, ServiceBlock) {
        guard let brace = next(), brace.text == "{" else {
            throw ImportError(file, line: opening.line, "expected '{' after 'job'")
        }
        var job = PmtrJob(line: opening.line)
        while true {
            guard let t = next() else { throw ImportError(file, line: opening.line, "job is not closed by '}'") }
            if t.text == "}" && t.startsLine { break }
            guard t.startsLine else { throw ImportError(file, line: t.line, "unexpected '\(t.raw)'") }
            try option(t, into: &job)
        }
        return (job.order, try job.service(file: file))
    }

    private mutating func option(_ t: PmtrToken, into job: inout PmtrJob) throws(ImportError) {
        switch t.text {
        case "name": job.name = try one(t)
        case "cmd":
            let args = arguments(of: t)
            guard !args.isEmpty else { throw ImportError(file, line: t.line, "'cmd' needs a command") }
            job.cmd = args
        case "dir": job.fields.append(LuaField("dir", .string(try one(t))))
        case "out": job.fields.append(LuaField("stdout", .string(try one(t))))
        case "err": job.fields.append(LuaField("stderr", .string(try one(t))))
        case "in": job.fields.append(LuaField("stdin", .string(try one(t))))
        case "user": job.fields.append(LuaField("user", .string(try one(t))))
        case "env":
            let setting = try one(t)
            guard let eq = setting.firstIndex(of: "="), eq != setting.startIndex else {
                throw ImportError(file, line: t.line, "'env' takes VAR=VALUE, got '\(setting)'")
            }
            job.env.append(LuaField(String(setting[..<eq]), .string(String(setting[setting.index(after: eq)...]))))
        case "ulimit":
            let args = arguments(of: t)
            if args.count == 1, args[0].text == "{" {
                let words = try block(of: t)
                guard words.count % 2 == 0 else { throw ImportError(file, line: t.line, "'ulimit' block needs FLAG VALUE pairs") }
                for i in stride(from: 0, to: words.count, by: 2) { try job.limit(words[i], words[i + 1], file: file) }
            } else if args.count == 2 {
                try job.limit(args[0], args[1], file: file)
            } else {
                throw ImportError(file, line: t.line, "'ulimit' takes FLAG VALUE or a { FLAG VALUE … } block")
            }
        case "depends":
            let args = arguments(of: t)
            guard args.count == 1, args[0].text == "{" else { throw ImportError(file, line: t.line, "expected 'depends {'") }
            job.depends += try block(of: t).map(\.text)
        case "bounce":
            let args = arguments(of: t)
            guard args.count == 2, args[0].text == "every", Durations.seconds(args[1].text) != nil else {
                throw ImportError(file, line: t.line, "expected `bounce every INTERVAL` (e.g. 1h; units s m h d)")
            }
            job.fields.append(LuaField("bounce", .string(args[1].text)))
        case "nice":
            let v = try one(t)
            guard let n = Int(v), (-20...19).contains(n) else { throw ImportError(file, line: t.line, "'nice' must be -20…19, got '\(v)'") }
            job.fields.append(LuaField("nice", .int(n)))
        case "cpu":
            let v = try one(t)
            guard let cpus = PmtrJob.cpus(v) else {
                throw ImportError(file, line: t.line, "'cpu' takes a hex mask (0x3) or a list (0,2-3), got '\(v)'")
            }
            job.fields.append(LuaField("cpu", .array(cpus.map { .int($0) })))
        case "order":
            let v = try one(t)
            guard let n = Int(v) else { throw ImportError(file, line: t.line, "'order' takes a number, got '\(v)'") }
            job.order = n
        case "disable":
            try flag(t)
            job.fields.append(LuaField("disabled", .bool(true)))
        case "wait":
            try flag(t)
            job.fields.append(LuaField("wait", .bool(true)))
        case "once":
            try flag(t)
            job.once = true
        default:
            // The import rule: kept as a comment naming its line, listed on stderr.
            let rest = arguments(of: t).map(\.raw)
            job.untranslated.append(
                Untranslated(
                    line: t.line, text: ([t.raw] + rest).joined(separator: " "),
                    reason: "not a pmtr job option ppm-lua knows"))
        }
    }
}
