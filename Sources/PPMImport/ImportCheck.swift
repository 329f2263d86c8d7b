import LuaKit
import PPMMachine
import PPMScript

/// Runs a generated config through what `ppm-lua check` does, in this
/// process, without starting anything, and without letting the config's
/// code touch anything: the imported file is untrusted, and whoever imports
/// it has not read the result yet.
package enum ImportCheck {
    /// Why the generated config does not load: what `check` would print.
    package struct Failure: Error, CustomStringConvertible {
        /// `PATH:LINE: message`.
        package let description: String
    }

    /// The number of services the config declares, or the error that
    /// `check` would print.
    package static func run(_ lua: String, path: String, home: String, pluginFolders: [String]) -> Result<Int, Failure> {
        do {
            let host = try ConfigLoader(context: .init(version: "import", configPath: nil, home: home, pluginFolders: pluginFolders))
            // The config is meant for the machine it will run on, perhaps as root.
            host.checksPrivileges = false
            _ = try host.lua.run(confinement, chunkName: "=import check")
            try host.loadConfig(source: lua, path: path)
            return .success(ServiceInstances.expand(host.declared).count)
        } catch let e as LuaError {
            return .failure(Failure(description: e.message))
        } catch {
            return .failure(Failure(description: "\(path): \(error)"))
        }
    }

    /// Takes from the state everything that reaches outside it: `io`, `os`
    /// (but its clock, calendar and `getenv`), `require` and `package` (a missing
    /// plugin: the generated `plugin()` helper falls back to its inline
    /// policy), `loadfile`, `dofile`, `ppm.spawn` and `ppm.udp`.
    static let confinement = #"""
        local error, setmetatable = error, setmetatable
        local function refuse(what)
          return function() error(what .. " is not available while `ppm-lua import` checks its result", 2) end
        end
        local function refusing(what)
          return setmetatable({}, { __index = function(_, key) return refuse(what .. "." .. tostring(key)) end })
        end
        io = refusing("io")
        os = setmetatable({ time = os.time, date = os.date, clock = os.clock, difftime = os.difftime, getenv = os.getenv },
                          { __index = function(_, key) return refuse("os." .. tostring(key)) end })
        require = function(name)
          error("module '" .. tostring(name) .. "' not found (require is not available while `ppm-lua import` checks its result)", 2)
        end
        package = nil
        loadfile, dofile = refuse("loadfile"), refuse("dofile")
        ppm.spawn = refuse("ppm.spawn")
        ppm.udp = refusing("ppm.udp")
        """#
}
