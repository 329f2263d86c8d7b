/// Facts the `ppm` module exposes, and where `require` looks.
package struct ScriptContext: Sendable {
    /// The daemon's version (`ppm.version`).
    package var version: String
    /// The config file (`ppm.config_path`); nil for a config given as text.
    package var configPath: String?
    /// The daemon's home (`ppm.home`).
    package var home: String
    /// Folders `require` searches after the config's own folder.
    package var pluginFolders: [String]

    /// The facts of one config.
    package init(version: String, configPath: String?, home: String, pluginFolders: [String]) {
        self.version = version
        self.configPath = configPath
        self.home = home
        self.pluginFolders = pluginFolders
    }
}
