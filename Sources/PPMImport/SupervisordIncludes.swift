import Foundation

/// supervisord's `[include] files = a.conf conf.d/*.conf`: each pattern
/// (separated by spaces, relative to the folder of the file that names it)
/// is expanded as a glob, in order, and the sections of the files it
/// matches join those of the including file, which keep the name of their
/// own file. The Debian layout (`supervisord.conf` + `conf.d/*.conf`) is
/// this. A file included twice is read once; includes nest 10 deep at most.
enum SupervisordIncludes {
    static let maxDepth = 10

    /// `sections` (read from `file`) with every `[include]` replaced by the
    /// sections of the files it names.
    static func expand(_ sections: [IniSection], file: String) throws(ImportError) -> [IniSection] {
        var seen: Set<String> = [absolute(file)]
        return try expand(sections, file: file, depth: 0, seen: &seen)
    }

    private static func expand(_ sections: [IniSection], file: String, depth: Int, seen: inout Set<String>) throws(ImportError) -> [IniSection] {
        var out: [IniSection] = []
        for section in sections {
            guard section.name == "include" else {
                out.append(section)
                continue
            }
            guard let files = section["files"] else { throw ImportError(file, line: section.line, "[include] has no files = …") }
            guard depth < maxDepth else { throw ImportError(file, line: files.line, "[include] nests more than \(maxDepth) deep") }
            let folder = URL(fileURLWithPath: absolute(file)).deletingLastPathComponent().path
            for pattern in files.value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }) {
                let full = pattern.hasPrefix("/") ? String(pattern) : folder + "/" + pattern
                for path in glob(full) where seen.insert(absolute(path)).inserted {
                    guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                        throw ImportError(file, line: files.line, "[include] \(path): cannot read it")
                    }
                    let included = try IniReader.sections(text, file: path).map { s in
                        var s = s
                        s.file = path
                        return s
                    }
                    out += try expand(included, file: path, depth: depth + 1, seen: &seen)
                }
            }
        }
        return out
    }

    /// The paths matching `pattern`, sorted (a plain path only if it exists).
    private static func glob(_ pattern: String) -> [String] {
        var matches = glob_t()
        defer { globfree(&matches) }
        guard Glibc.glob(pattern, 0, nil, &matches) == 0 else { return [] }
        return (0..<Int(matches.gl_pathc)).compactMap { matches.gl_pathv[$0].map { String(cString: $0) } }.sorted()
    }

    private static func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path).standardizedFileURL.path
    }
}
