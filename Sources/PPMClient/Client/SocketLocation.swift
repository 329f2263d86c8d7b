import Glibc

/// Where the daemon's home and control socket are (SPEC section 2), from
/// the environment: the socket half of PPMProtocol's `Locations`, which
/// reads the same variables (the client reads them with `getenv`).
package enum SocketLocation {
    /// `$PPM_LUA_HOME`, else `/var/lib/ppm-lua` for root, else
    /// `$XDG_STATE_HOME/ppm-lua`, else `$HOME/.local/state/ppm-lua`; nil
    /// when not even `HOME` is set (the user database then has it).
    package static func home(_ variable: (String) -> String?) -> String? {
        if let home = variable("PPM_LUA_HOME"), !home.isEmpty { return home }
        if geteuid() == 0 { return "/var/lib/ppm-lua" }
        if let state = variable("XDG_STATE_HOME"), !state.isEmpty { return state + "/ppm-lua" }
        return variable("HOME").map { $0 + "/.local/state/ppm-lua" }
    }

    /// `explicit` (`--socket`), else `$PPM_LUA_SOCKET`, else `<home>/ppm.sock`.
    package static func socket(_ explicit: String?, home: String, _ variable: (String) -> String?) -> String {
        explicit ?? variable("PPM_LUA_SOCKET").flatMap { $0.isEmpty ? nil : $0 } ?? home + "/ppm.sock"
    }

    /// The socket from the process's environment (`getenv`: no dictionary of
    /// the whole environment is built); nil when home is unknown (no `HOME`).
    package static func socket(_ explicit: String?) -> String? {
        guard let home = home(environment) else { return explicit }
        return socket(explicit, home: home, environment)
    }

    /// One variable of the process's environment.
    package static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
