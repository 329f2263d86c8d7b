/// Facts the `ppm` module exposes, and where `require` looks.
public struct ScriptContext: Sendable {
    /// The daemon's version (`ppm.version`).
    public var version: String
    /// The config file (`ppm.config_path`); nil for a config given as text.
    public var configPath: String?
    /// The daemon's home (`ppm.home`).
    public var home: String
    /// Folders `require` searches after the config's own folder.
    public var pluginFolders: [String]

    /// The facts of one config.
    public init(version: String, configPath: String?, home: String, pluginFolders: [String]) {
        self.version = version
        self.configPath = configPath
        self.home = home
        self.pluginFolders = pluginFolders
    }
}
