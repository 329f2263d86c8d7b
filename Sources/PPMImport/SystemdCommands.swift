/// The commands around a unit's main process (SPEC 10): `ExecStartPre=` →
/// `pre_start`, `ExecStop=` → `stop_cmd`, `ExecStopPost=` → `post_stop`,
/// `TimeoutStartSec=` → `start_timeout` (which bounds the pre_start
/// commands). Each becomes one line for `/bin/sh -c`, quoted so that it
/// runs the same words (systemd's `$VARIABLES` expanded by the shell).
extension SystemdService {
    /// Keys read here.
    static let commandKeys: Set<String> = ["ExecStartPre", "ExecStop", "ExecStopPost", "TimeoutStartSec"]

    func commands(into block: inout ServiceBlock, skip: (SystemdUnit.Entry, String) -> Void) throws(ImportError) {
        let pre = try lines("ExecStartPre", skip: skip)
        if !pre.isEmpty { block.set("pre_start", .array(pre), comment: "ExecStartPre: each must succeed before the start") }
        if let e = unit.last("Service", "TimeoutStartSec") {
            if pre.isEmpty {
                skip(
                    e,
                    "start_timeout bounds pre_start commands only (there are none); a service counts as started once spawned, or once ready (ready_timeout)"
                )
            } else if let s = SystemdValues.seconds(e.value), s > 0 {
                block.set("start_timeout", .number(s))
            } else {
                skip(e, "not a duration ppm-lua takes for start_timeout")
            }
        }
        let stops = try lines("ExecStop", skip: skip)
        if let first = stops.first {
            block.set("stop_cmd", first, comment: "instead of the stop signal; SIGKILL after stop_timeout if still running")
            for extra in unit.all("Service", "ExecStop").dropFirst() { skip(extra, "ppm-lua runs one stop_cmd; join the commands with ';'") }
        }
        let post = try lines("ExecStopPost", skip: skip)
        if !post.isEmpty { block.set("post_stop", .array(post), comment: "ExecStopPost: after each exit") }
    }

    /// Each `KEY=` line of [Service] as a shell line (an empty one resets the list, as in systemd).
    private func lines(_ key: String, skip: (SystemdUnit.Entry, String) -> Void) throws(ImportError) -> [LuaExpr] {
        var out: [LuaExpr] = []
        for e in unit.all("Service", key) {
            if e.value.isEmpty {
                out = []
                continue
            }
            let (argv, _, prefixNote) = try command(e)
            if let prefixNote { skip(e, prefixNote) }
            if argv.count == 3 && argv[0] == "/bin/sh" && argv[1] == "-c" {
                out.append(.string(argv[2]))
            } else {
                out.append(.string(argv.map(SystemdValues.shellQuote).joined(separator: " ")))
            }
        }
        return out
    }
}
