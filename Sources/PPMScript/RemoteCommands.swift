/// The control commands as the TCP listener's allow lists name them: one
/// name per command (aliases fold into it), and the read-only set a network
/// gets when the config names none.
public enum RemoteCommands {
    /// Every command a client may be allowed, by its main name.
    public static let all = [
        "status", "ls", "show", "why", "events", "stats", "logs",
        "start", "stop", "restart", "signal", "rm", "add", "eval", "export", "reload", "quit", "upgrade",
    ]

    /// What `"read"` in an allow list stands for, and the default when the
    /// config gives no allow list: commands that change nothing.
    public static let readOnly: Set<String> = ["status", "ls", "show", "why", "events", "stats", "logs"]

    /// The main name of a command as a client sends it (`list` → `ls`,
    /// `interrupt` and `complete` → `eval`: only who may run Lua may stop it
    /// or read its globals); nil for a command the listener does not know.
    public static func canonical(_ cmd: String) -> String? {
        switch cmd {
        case "list", "info": "ls"
        case "desc": "show"
        case "del", "drop": "rm"
        case "exec": "add"
        case "interrupt", "complete": "eval"
        default: all.contains(cmd) ? cmd : nil
        }
    }

    /// The commands a name in an allow list grants: `"read"` the read-only
    /// set, `"repl"` eval, a command or alias itself; nil when unknown.
    public static func granted(by name: String) -> Set<String>? {
        switch name {
        case "read": readOnly
        case "repl": ["eval"]
        case "interrupt": nil
        default: canonical(name).map { [$0] }
        }
    }

    /// The names an allow list accepts, for "did you mean" hints.
    static var allowNames: [String] { all + ["read", "repl", "list", "info", "desc", "del", "drop", "exec"] }
}
