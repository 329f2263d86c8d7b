import Foundation

/// Reads a Procfile as foreman does (SPEC 10): one `NAME: COMMAND` per line
/// (`NAME` of letters, digits, `_` and `-`), each run through `sh -c` in
/// the Procfile's folder with `PORT` = 5000 + 100 × its index; a `.env`
/// beside the Procfile becomes `env_file` (foreman loads it for every process).
struct ProcfileReader {
    let file: String

    func read(_ text: String) throws(ImportError) -> LuaConfig {
        var config = LuaConfig()
        let folder = Self.folder(of: file)
        let dotenv = folder + "/.env"
        let hasDotenv = FileManager.default.fileExists(atPath: dotenv)
        var seen: Set<String> = []
        for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingSpaces
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":"),
                case let name = String(line[..<colon]), !name.isEmpty,
                name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }),
                case let command = String(line[line.index(after: colon)...]).trimmingSpaces, !command.isEmpty
            else {
                config.untranslated.append(Untranslated(line: i + 1, text: line, reason: "not a NAME: COMMAND line (foreman skips it too)"))
                continue
            }
            guard seen.insert(name).inserted else { throw ImportError(file, line: i + 1, "process '\(name)' is declared twice") }
            let port = 5000 + 100 * (seen.count - 1)
            var block = ServiceBlock()
            block.comments = ["Procfile line \(i + 1): \(name)"]
            block.set("name", .string(name))
            block.set("cmd", .array([.string("/bin/sh"), .string("-c"), .string(command)]))
            block.set("dir", .string(folder))
            if hasDotenv { block.set("env_file", .string(dotenv), comment: "the .env beside the Procfile, read at each start") }
            block.set("env", .table([LuaField("PORT", .string(String(port)))]), comment: "foreman: 5000 + 100 × the process's index")
            config.blocks.append(.service(block))
        }
        config.header = [
            "Each process runs through /bin/sh -c in the Procfile's folder, as foreman runs it.",
            "foreman stops every process when one exits; here each restarts on failure on its own.",
        ]
        return config
    }

    /// The absolute folder of `path`.
    static func folder(of path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return URL(fileURLWithPath: absolute).standardizedFileURL.deletingLastPathComponent().path
    }
}
