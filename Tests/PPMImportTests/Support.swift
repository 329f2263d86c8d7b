import Foundation
import LuaKit
import PPMMachine
import PPMScript
import Testing

@testable import PPMImport

/// The fixture files of these tests.
func fixture(_ name: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/" + name).path
}

/// What the daemon would load from an imported config: the services as
/// `ppm-lua check` reads them.
struct Loaded {
    let result: ImportResult
    let specs: [ServiceSpec]

    subscript(name: String) -> ServiceSpec? { specs.first { $0.name == name } }

    /// The untranslated items' lines.
    var untranslatedLines: [Int] { result.untranslated.map(\.line) }
}

/// Imports `file` and loads the result as `check` does.
func load(_ file: String, from format: ImportFormat? = nil) throws -> Loaded {
    let result = try Importer.importFile(file, from: format)
    let host = try ConfigLoader(context: .init(version: "test", configPath: nil, home: NSTemporaryDirectory(), pluginFolders: []))
    host.checksPrivileges = false
    do {
        try host.loadConfig(source: result.lua, path: "imported.lua")
    } catch {
        Issue.record("the imported config does not load: \(error)\n\(result.lua)")
        throw error
    }
    return Loaded(result: result, specs: host.declared)
}

/// A bare Lua state with `helpers` loaded, for calling their functions.
func lua(with helpers: [LuaHelper], then code: String) throws -> [LuaValue] {
    let state = try LuaState()
    var config = LuaConfig()
    helpers.forEach { config.use($0) }
    let source = config.helpers.map(\.source).joined(separator: "\n") + "\n" + code
    return try state.run(source, chunkName: "=helpers")
}

/// Checks that each text fails to import with `PATH:LINE: message…`.
func expectErrors(
    _ cases: [(text: String, line: Int, message: String)], path: String, format: ImportFormat,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    for (text, line, message) in cases {
        do {
            _ = try Importer.importText(text, path: path, from: format)
            Issue.record("no error for \(text)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.description.hasPrefix("\(path):\(line): " + message), "\(error)", sourceLocation: sourceLocation)
        }
    }
}
