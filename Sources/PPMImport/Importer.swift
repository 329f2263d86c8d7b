import Foundation

/// What `ppm-lua import` made of a source config.
public struct ImportResult: Sendable {
    /// The format read.
    public var format: ImportFormat
    /// The generated ppm.lua.
    public var lua: String
    /// What could not be translated (also commented in `lua`).
    public var untranslated: [Untranslated]
}

/// Reads a pmtr, PETeR, PPM, supervisord or pm2 config and writes the
/// equivalent ppm.lua.
public enum Importer {
    /// Imports the file at `path`, in `format` or the one its content shows.
    public static func importFile(_ path: String, from format: ImportFormat? = nil) throws(ImportError) -> ImportResult {
        try ImportFormat.refuseScript(path)
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot read the file" : "no such file"
            throw ImportError(path, line: nil, reason)
        }
        guard let text = String(data: data, encoding: .utf8) else { throw ImportError(path, line: nil, "not UTF-8 text") }
        return try importText(text, path: path, from: format)
    }

    /// Imports `text`, read from `path` (named in comments and errors).
    public static func importText(_ text: String, path: String, from format: ImportFormat? = nil) throws(ImportError) -> ImportResult {
        let chosen: ImportFormat
        if let format { chosen = format } else { chosen = try ImportFormat.guess(path: path, text: text) }
        var config = try translate(text, path: path, format: chosen)
        config.header = [
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
        }
    }
}
