import PPMScript

/// One pmtr `job { ... }` as read, before it becomes a `ppm.service`.
struct PmtrJob {
    /// Line of `job {`.
    let line: Int
    var name: String?
    var cmd: [PmtrToken] = []
    var env: [LuaField] = []
    var limits: [LuaField] = []
    var fields: [LuaField] = []
    /// `depends` files; relative ones are pmtr's `dir`'s.
    var depends: [String] = []
    var order: Int?
    var once = false
    /// Options pmtr does not have (or ppm-lua cannot translate), kept as comments.
    var untranslated: [Untranslated] = []

    init(line: Int) { self.line = line }

    mutating func limit(_ flag: PmtrToken, _ value: PmtrToken, file: String) throws(ImportError) {
        guard let name = PmtrReader.ulimitFlags[flag.text] else {
            throw ImportError(file, line: flag.line, "unknown ulimit flag '\(flag.text)' (bash's: -c -d -e -f -i -l -m -n -q -r -s -t -u -v -x)")
        }
        if value.text == "infinity" || value.text == "unlimited" {
            limits.append(LuaField(name, .string("infinity")))
        } else if let n = Int(value.text), n >= 0 {
            limits.append(LuaField(name, .int(n)))
        } else {
            throw ImportError(file, line: value.line, "ulimit \(flag.text) takes a number or 'infinity', got '\(value.text)'")
        }
    }

    /// CPU numbers of a pmtr cpuset: a hex mask `0x4A` or a list `1,3-5,8`.
    static func cpus(_ spec: String) -> [Int]? {
        if spec.hasPrefix("0x") {
            guard spec.count > 2, let mask = UInt64(spec.dropFirst(2), radix: 16) else { return nil }
            return (0..<64).filter { mask & (1 << UInt64($0)) != 0 }
        }
        var out: [Int] = []
        for part in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = part.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(ends.count), let a = Int(ends[0]), let b = Int(ends.last!), a >= 0, a <= b else { return nil }
            out += Array(a...b)
        }
        return out.isEmpty ? nil : out
    }

    func service(file: String) throws(ImportError) -> ServiceBlock {
        guard let name else { throw ImportError(file, line: line, "job has no 'name'") }
        guard !cmd.isEmpty else { throw ImportError(file, line: line, "job '\(name)' has no 'cmd'") }
        var block = ServiceBlock()
        block.comments = ["pmtr job at line \(line)" + (order.map { ", order \($0)" } ?? "")]
        block.untranslated += untranslated
        block.set("name", .string(name))
        block.set("cmd", Self.command(cmd))
        if !env.isEmpty { block.set("env", .table(env)) }
        block.fields += fields.filter { !["disabled", "wait"].contains($0.key) }
        if !depends.isEmpty {
            let dir: String? = if case .string(let d)? = block.value("dir") { d } else { nil }
            let paths = depends.map { path in dir.map { path.hasPrefix("/") ? path : "\($0)/\(path)" } ?? path }
            block.set("depends", .array(paths.map { .string($0) }), comment: paths == depends ? nil : "relative to `dir`, as pmtr reads them")
        }
        if !limits.isEmpty { block.set("ulimit", .table(limits), comment: "pmtr sets soft and hard limits alike") }
        block.fields += fields.filter { ["disabled", "wait"].contains($0.key) }
        if once {
            block.set("once", .bool(true))
        } else {
            block.set("restart", .code("pmtr { status = 33, min_runtime = 10, delay = 10 }"))
        }
        return block
    }

    /// The command as one string when ppm-lua splits it into the same words
    /// pmtr does, else as an array of words.
    static func command(_ words: [PmtrToken]) -> LuaExpr {
        let argv = words.map(\.text)
        let line = words.map(\.raw).joined(separator: " ")
        if let split = try? ShellWords.split(line), split == argv { return .string(line) }
        return .array(argv.map { .string($0) })
    }
}
