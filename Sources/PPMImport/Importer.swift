import Foundation

/// What `ppm-lua import` made of a source config.
package struct ImportResult: Sendable {
    /// The format read.
    package var format: ImportFormat
    /// The generated ppm.lua.
    package var lua: String
    /// What could not be translated (also commented in `lua`).
    package var untranslated: [Untranslated]
}

/// Reads a pmtr, PETeR, PPM, supervisord, pm2, Procfile or systemd config
/// and writes the equivalent ppm.lua.
package enum Importer {
    /// Imports several files (or folders of `.service` units) at once:
    /// systemd units only; any other format takes one file.
    package static func importFiles(_ paths: [String], from format: ImportFormat? = nil) throws(ImportError) -> ImportResult {
        guard paths.count > 1 || paths.first.map(isFolder) == true else {
            guard let path = paths.first else { throw ImportError("import", line: nil, "no file given") }
            return try importFile(path, from: format)
        }
        if let format, format != .systemd {
            throw ImportError(
                paths[0], line: nil, "only systemd units are imported several at a time (--from systemd); \(format.rawValue) takes one file")
        }
        var files: [(path: String, text: String)] = []
        for path in paths {
            for unit in try unitFiles(path) { files.append((unit, try readText(unit))) }
        }
        guard !files.isEmpty else { throw ImportError(paths[0], line: nil, "no .service files found") }
        var config = try SystemdReader(files: files).read()
        config.header =
            [
                "ppm.lua imported from \(files.map { ImportFormat.basename($0.path) }.joined(separator: ", ")) (systemd) by `ppm-lua import`.",
                "Check it with `ppm-lua check FILE`; run it with `ppm-lua daemon -c FILE`.", "",
            ] + config.header
        return ImportResult(format: .systemd, lua: LuaWriter.write(config), untranslated: config.allUntranslated)
    }

    private static func isFolder(_ path: String) -> Bool {
        var folder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &folder) && folder.boolValue
    }

    /// `path` itself, or the `.service` files of the folder it names, sorted.
    private static func unitFiles(_ path: String) throws(ImportError) -> [String] {
        guard isFolder(path) else { return [path] }
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
            throw ImportError(path, line: nil, "cannot list the folder")
        }
        return names.filter { $0.hasSuffix(".service") }.sorted().map { path + "/" + $0 }
    }

    private static func readText(_ path: String) throws(ImportError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"
            throw ImportError(path, line: nil, reason)
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ImportError(path, line: nil, "not UTF-8 text") }
        return text
    }

    /// Imports the file at `path`, in `format` or the one its content shows.
    package static func importFile(_ path: String, from format: ImportFormat? = nil) throws(ImportError) -> ImportResult {
        try ImportFormat.refuseScript(path)
        return try importText(try readText(path), path: path, from: format)
    }

    /// Imports `text`, read from `path` (named in comments and errors).
    package static func importText(_ text: String, path: String, from format: ImportFormat? = nil) throws(ImportError) -> ImportResult {
        let chosen: ImportFormat
        if let format { chosen = format } else { chosen = try ImportFormat.guess(path: path, text: text) }
        var config = try translate(text, path: path, format: chosen)
        config.header =
            [
                "ppm.lua imported from \(path) (\(chosen.title)) by `ppm-lua import`.",
                "Check it with `ppm-lua check FILE`; run it with `ppm-lua daemon -c FILE`.",
            ] + (config.header.isEmpty ? [] : [""] + config.header)
        return ImportResult(format: chosen, lua: LuaWriter.write(config), untranslated: config.allUntranslated)
    }

    static func translate(_ text: String, path: String, format: ImportFormat) throws(ImportError) -> LuaConfig {
        switch format {
        case .pmtr:
            var reader = PmtrReader(file: path)
            return try reader.read(text)
        case .peter: return try PeterReader(file: path).read(text)
        case .ppm: return try PPMYamlReader(file: path).read(text)
        case .supervisord: return try SupervisordReader(file: path).read(text)
        case .pm2: return try Pm2Reader(file: path).read(text)
        case .procfile: return try ProcfileReader(file: path).read(text)
        case .systemd: return try SystemdReader(files: [(path, text)]).read()
        }
    }
}
