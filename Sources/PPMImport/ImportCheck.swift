import LuaKit
import PPMScript

/// Runs a generated config through what `ppm-lua check` does, in this
/// process, without starting anything.
public enum ImportCheck {
    /// Why the generated config does not load: what `check` would print.
    public struct Failure: Error, CustomStringConvertible {
        /// `PATH:LINE: message`.
        public let description: String
    }

    /// The number of services the config declares, or the error that
    /// `check` would print.
    public static func run(_ lua: String, path: String, home: String, pluginFolders: [String]) -> Result<Int, Failure> {
        do {
            let host = try ScriptHost(context: .init(version: "import", configPath: nil, home: home, pluginFolders: pluginFolders))
            // The config is meant for the machine it will run on, perhaps as root.
            host.checksPrivileges = false
            try host.loadConfig(source: lua, path: path)
            return .success(host.declared.count)
        } catch let e as LuaError {
            return .failure(Failure(description: e.message))
        } catch {
            return .failure(Failure(description: "\(path): \(error)"))
        }
    }
}
