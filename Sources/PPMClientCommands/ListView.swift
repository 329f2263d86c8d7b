package import PPMMachine

/// What `ppm-lua ls` prints as a table.
package enum ListView {
    /// The members of each service the table needs: the daemon sends only those.
    package static let tableFields: [String: JSONValue] = [
        "fields": .init(["name", "state", "pid", "starts", "uptime", "last_exit", "health", "health_check", "scheduled", "starts_in"])
    ]

    /// Prints the `ls` reply asked with `tableFields` as a table (`ppm-lua ls`, parsed or quick).
    package static func show(_ list: JSONValue) {
        let services = list.arrayValue ?? []
        // A HEALTH column when any service has a check (SPEC 9), `-` until its first verdict.
        let health = services.contains { $0["health_check"]?.stringValue != nil || $0["health"]?.stringValue != nil }
        printTable(
            ["NAME", "STATE", "PID", "STARTS", "UPTIME", "LAST EXIT"] + (health ? ["HEALTH"] : []),
            services.map { s in
                [
                    s["name"]?.stringValue ?? "?", displayState(s), s["pid"]?.intValue.map(String.init) ?? "-",
                    String(s["starts"]?.intValue ?? 0), formatDuration(s["uptime"]?.doubleValue), formatExit(s["last_exit"]),
                ]
                    + (health ? [s["health"]?.stringValue ?? "-"] : [])
            }, colour: [1: Style.state])
    }
}
