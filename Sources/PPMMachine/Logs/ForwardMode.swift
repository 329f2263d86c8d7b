/// Where captured lines go besides the log files (SPEC 11, `forward`):
/// nowhere, the daemon's stdout as `NAME | line`, the daemon's stdout as
/// JSON Lines, or journald (syslog when journald is absent).
package enum ForwardMode: String, Sendable, CaseIterable {
    case off, stdout, json, journal

    /// The modes a config may name, for error messages.
    package static let names = "\"stdout\", \"json\", \"journal\" or false"

    /// `forward`'s Lua/JSON value: a mode's name, `false` for `off`.
    package init?(setting: String) {
        guard setting != "off", let mode = ForwardMode(rawValue: setting) else { return nil }
        self = mode
    }
}
