/// How a service tells that it is ready (SPEC 9, `ready =`).
package enum ReadySpec: Sendable, Equatable {
    /// Ready as soon as its process has been spawned (the default).
    case started
    /// `READY=1` over `$NOTIFY_SOCKET` (systemd's sd_notify).
    case notify
    /// A newline written to this descriptor (s6's notification-fd).
    case fd(Int32)
    /// A captured line of its stdout or stderr matches this Lua pattern.
    case log(String)
    /// A check the daemon runs every `ready_every` until it passes.
    case probe(Probe)

    /// Whether the service is `starting` after its spawn (anything but `started`).
    package var waits: Bool { self != .started }

    /// The kind's name, as `show` prints it.
    package var kind: String {
        switch self {
        case .started: "started"
        case .notify: "notify"
        case .fd: "fd"
        case .log: "log"
        case .probe(let p): p.kind
        }
    }
}
