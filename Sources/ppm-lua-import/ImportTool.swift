import ArgumentParser
import Foundation
import PPMImport
import PPMProtocol

extension ImportFormat: ExpressibleByArgument {}

/// `ppm-lua-import FILE… [--from FORMAT]`, which `ppm-lua import` runs: prints
/// the ppm.lua equivalent of a pmtr, PETeR, PPM, supervisord, pm2, Procfile
/// or systemd config (several systemd units, or a folder of them, at once),
/// lists what it could not translate on stderr, and checks the result.
@main
struct ImportTool: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ppm-lua import",
        abstract: "Translate a pmtr, PETeR, PPM, supervisord, pm2, Procfile or systemd config into a ppm.lua (on stdout).",
        discussion: """
            The format is told from the content unless --from names it. What cannot be translated \
            is kept as a comment naming its line, and listed on stderr. Exit 0 when the result \
            loads as `ppm-lua check` would load it; 1 when the input cannot be read or parsed \
            (FILE:LINE: message) or the result does not load.
            """)

    @Argument(help: "The config file to translate (systemd: one or more .service files, or a folder of them).")
    var files: [String]

    /// The file named in messages: the first one given.
    private var file: String { files[0] }

    @Option(help: "The source format: \(ImportFormat.allCases.map(\.rawValue).joined(separator: ", ")).")
    var from: ImportFormat?

    func validate() throws {
        if files.isEmpty { throw ValidationError("name the config file to translate") }
    }

    func run() throws {
        let result: ImportResult
        do {
            result = try Importer.importFiles(files, from: from)
        } catch {
            report(LuaWriter.visible("\(error)"))
            throw ExitCode(1)
        }
        FileHandle.standardOutput.write(Data(result.lua.utf8))
        for item in result.untranslated {
            report("\(item.file ?? file):\(item.line): not translated: \(LuaWriter.visible(item.text)) (\(LuaWriter.visible(item.reason)))")
        }
        let locations = Locations()
        switch ImportCheck.run(result.lua, path: "imported ppm.lua", home: locations.home, pluginFolders: Locations.pluginFolders()) {
        case .success(let count):
            let kept = result.untranslated.isEmpty ? "" : "; \(result.untranslated.count) item(s) kept as comments"
            report(
                "\(file): \(count) service\(count == 1 ? "" : "s") imported from \(result.format.title); the result loads as `check` loads it\(kept)")
        case .failure(let failure):
            report("the imported config does not load: \(LuaWriter.visible(failure.description))")
            throw ExitCode(1)
        }
    }

    private func report(_ line: String) {
        FileHandle.standardError.write(Data("ppm-lua: \(line)\n".utf8))
    }
}
