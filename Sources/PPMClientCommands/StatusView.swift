package import PPMClient

/// What `ppm-lua status` prints.
package enum StatusView {
    /// Prints the daemon's `status` reply (`ppm-lua status`, parsed or quick).
    package static func show(_ reply: ControlResult, json: Bool) {
        if json { return printJSON(raw: reply.raw) }
        let s = reply.value
        print("pid       \(s["pid"]?.intValue ?? 0)")
        print("uptime    \(formatDuration(s["uptime"]?.doubleValue))")
        print("version   \(s["version"]?.stringValue ?? "?")")
        print("config    \(s["config"]?.stringValue ?? "(none)")")
        print("home      \(s["home"]?.stringValue ?? "?")")
        print("services  \(s["services"]?.intValue ?? 0)")
        if let listen = s["listen"]?.stringValue { print("listen    \(listen) (TCP)") }
        if let failed = s["reload_error"], let error = failed["error"]?.stringValue {
            let line = error.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? error
            print("warning   last reload failed at \(failed["utc"]?.stringValue ?? "?"): \(line) (the config loaded before keeps running)")
        }
        if let disk = s["disk_full"] ?? s["write_error"], let error = disk["error"]?.stringValue {
            print("warning   \(error): \(disk["path"]?.stringValue ?? "?") cannot be written; run-time changes are refused, captured output waits")
        }
        if let cgroups = s["cgroups"]?.stringValue {
            print("cgroups   \(cgroups) (one per service)")
        } else if let off = s["cgroups_off"]?.stringValue {
            print("cgroups   off, process groups only: \(off)")
        }
    }
}
