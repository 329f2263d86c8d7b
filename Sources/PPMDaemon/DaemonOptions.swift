package import PPMMachine
package import PPMProtocol

/// How `ppm-lua daemon` was asked to run.
package struct DaemonOptions: Sendable {
    /// The config file (nil: none found; the daemon runs without services).
    package var configPath: String?
    /// The home, socket and file paths.
    package var locations: Locations
    /// Whether debug messages are logged.
    package var verbose = false
    /// A file to write the daemon's pid into (`--pidfile`).
    package var pidfile: String?
    /// The version `status` reports.
    package var version: String
    /// `--forward`, `--forward-json`, `--forward-journal`: every service's lines also go there (SPEC 11).
    package var forward: ForwardMode?

    /// Options as `ppm-lua daemon` parsed them.
    package init(configPath: String?, locations: Locations, verbose: Bool, pidfile: String?, version: String) {
        self.configPath = configPath
        self.locations = locations
        self.verbose = verbose
        self.pidfile = pidfile
        self.version = version
    }
}
