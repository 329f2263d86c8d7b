import PPMProtocol

/// How `ppm-lua daemon` was asked to run.
public struct DaemonOptions: Sendable {
    /// The config file (nil: none found; the daemon runs without services).
    public var configPath: String?
    /// The home, socket and file paths.
    public var locations: Locations
    /// Whether debug messages are logged.
    public var verbose = false
    /// A file to write the daemon's pid into (`--pidfile`).
    public var pidfile: String?
    /// The version `status` reports.
    public var version: String

    /// Options as `ppm-lua daemon` parsed them.
    public init(configPath: String?, locations: Locations, verbose: Bool, pidfile: String?, version: String) {
        self.configPath = configPath
        self.locations = locations
        self.verbose = verbose
        self.pidfile = pidfile
        self.version = version
    }
}
