import Glibc
import PPMClient
import PPMMachine
import PPMProtocol
import PPMRuntime
import SystemCalls

/// The daemon speaking systemd's `sd_notify` protocol to whatever started
/// it (SPEC 9: a `Type=notify` unit sets `$NOTIFY_SOCKET`): `READY=1` once
/// every autostart service has settled, `STATUS=` with counts when they
/// change (at most once a second), `RELOADING=1`/`READY=1` around a reload,
/// `STOPPING=1` at quit and `WATCHDOG=1` at half of `$WATCHDOG_USEC`.
///
/// Across a re-exec (`ppm-lua upgrade`, the stall watchdog) the process
/// keeps its environment: `NOTIFY_SOCKET` and `WATCHDOG_USEC` stay, and
/// `readyVariable` (holding this pid, handed over by `ImageEnvironment`)
/// says READY was sent, so the new image does not send it again. The new image pings the watchdog at once.
/// Confined to the loop, except `beforeExec`.
final class SupervisorNotifier {
    /// The variables services must not inherit: they are for the daemon alone.
    static let daemonVariables = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", readyVariable]
    /// The daemon's pid when READY=1 was sent, for the image after a re-exec.
    static let readyVariable = "PPM_LUA_NOTIFIED_READY"
    /// The least time between two `STATUS=` messages.
    static let statusInterval = 1.0

    /// Where services stand, for `READY=1` and `STATUS=`.
    struct Summary: Equatable {
        /// Whether every autostart service reached running or gave up.
        var settled: Bool
        var running = 0, waiting = 0, fatal = 0
        var text: String { "\(running) running, \(waiting) waiting, \(fatal) fatal" }
    }

    /// `$NOTIFY_SOCKET` as given (a path, or `@name` for an abstract socket).
    let target: String
    /// The time between two `WATCHDOG=1`, or nil without a watchdog for this process.
    let watchdogEvery: Double?
    private let fd: Int32
    private let scheduler: Scheduler
    private let summary: () -> Summary
    private let log: (String) -> Void
    private(set) var readySent: Bool
    private var reloading = false
    private var evaluationPending = false
    private var lastStatus: String?
    private var lastStatusTime = -Double.infinity
    private var statusTimer: TimerToken?
    private var watchdogTimer: TimerToken?
    private var sendFailed = false
    /// Set by `stopping`: no `STATUS=` counts after `STOPPING=1`.
    private var stopped = false

    /// A notifier for this process's `$NOTIFY_SOCKET`, or nil when it is
    /// unset (or names an address kind other than a path or `@name`).
    static func fromEnvironment(
        scheduler: Scheduler, log: @escaping (String) -> Void,
        summary: @escaping () -> Summary
    ) -> SupervisorNotifier? {
        func variable(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        guard let target = variable("NOTIFY_SOCKET"), !target.isEmpty else { return nil }
        guard target.hasPrefix("/") || target.hasPrefix("@") else {
            log("NOTIFY_SOCKET=\(target): only a path or an abstract @name is supported; not notifying")
            return nil
        }
        var watchdog: Double?
        let forUs = variable("WATCHDOG_PID").map { Int32($0) == getpid() } ?? true
        if forUs, let usec = variable("WATCHDOG_USEC").flatMap(UInt64.init), usec > 0 { watchdog = Double(usec) / 2e6 }
        let ready = ImageEnvironment.value(readyVariable).flatMap(Int32.init) == getpid()
        return SupervisorNotifier(target: target, watchdogEvery: watchdog, readySent: ready, scheduler: scheduler, log: log, summary: summary)
    }

    init(
        target: String, watchdogEvery: Double?, readySent: Bool, scheduler: Scheduler,
        log: @escaping (String) -> Void, summary: @escaping () -> Summary
    ) {
        self.target = target
        self.watchdogEvery = watchdogEvery
        self.readySent = readySent
        self.scheduler = scheduler
        self.log = log
        self.summary = summary
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        // First thing after a re-exec: the watchdog has waited through the exec.
        if watchdogEvery != nil { send("WATCHDOG=1") }
    }

    deinit {
        watchdogTimer?.cancel()
        statusTimer?.cancel()
        if fd >= 0 { close(fd) }
    }

    /// Starts the `WATCHDOG=1` pings (on the loop: a stuck loop stops them).
    func startWatchdog() {
        guard let every = watchdogEvery, watchdogTimer == nil else { return }
        watchdogTimer = scheduler.schedule(after: every) { [weak self] in
            self?.send("WATCHDOG=1")
            self?.watchdogTimer = nil
            self?.startWatchdog()
        }
    }

    /// Services changed: readiness and counts are looked at once, after this turn.
    func servicesChanged() {
        guard !evaluationPending else { return }
        evaluationPending = true
        _ = scheduler.schedule(after: 0) { [weak self] in
            self?.evaluationPending = false
            self?.evaluate()
        }
    }

    /// Sends `READY=1` when due, and `STATUS=` when the counts changed.
    func evaluate() {
        guard !stopped else { return }
        let now = summary()
        if !readySent, !reloading, now.settled {
            readySent = true
            lastStatus = now.text
            lastStatusTime = scheduler.now
            send("READY=1\nSTATUS=\(now.text)")
            return
        }
        guard now.text != lastStatus else { return }
        let wait = lastStatusTime + Self.statusInterval - scheduler.now
        guard wait <= 0 else {
            if statusTimer == nil {
                statusTimer = scheduler.schedule(after: wait) { [weak self] in
                    self?.statusTimer = nil
                    self?.evaluate()
                }
            }
            return
        }
        lastStatus = now.text
        lastStatusTime = scheduler.now
        send("STATUS=\(now.text)")
    }

    /// A reload starts (`RELOADING=1` with the monotonic time), once READY was sent.
    func reloadStarts() {
        guard readySent, !reloading else { return }
        reloading = true
        send("RELOADING=1\nMONOTONIC_USEC=\(UInt64(SystemClock.monotonic() * 1e6))")
    }

    /// The reload is over, applied or refused (`READY=1`, and why it failed).
    func reloadEnded(error: String?) {
        guard reloading else { return }
        reloading = false
        // A failure stays the status until the counts change.
        send("READY=1" + (error.map { "\nSTATUS=reload failed: \(Self.oneLine($0))" } ?? ""))
        servicesChanged()
    }

    /// The daemon stops every service and exits.
    func stopping() {
        stopped = true
        statusTimer?.cancel()
        send("STOPPING=1\nSTATUS=stopping every service")
    }

    /// Just before a re-exec (maybe from the stall guard's thread): one last
    /// ping, so the exec and the new image's start-up have a whole interval.
    func beforeExec() { if watchdogEvery != nil { send("WATCHDOG=1") } }

    private static func oneLine(_ text: String) -> String {
        String(text.prefix(200).map { $0 == "\n" ? " " : $0 })
    }

    /// One datagram to the target; a failure is logged once (the daemon goes on).
    func send(_ text: String) {
        let bytes = Array(text.utf8)
        let sent =
            target.hasPrefix("@")
            ? UnixAddress.with(abstract: String(target.dropFirst())) { sendto(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL), $0, $1) }
            : UnixAddress.with(target) { sendto(fd, bytes, bytes.count, Int32(MSG_NOSIGNAL), $0, $1) }
        if (sent ?? -1) < 0 && !sendFailed {
            sendFailed = true
            let why = sent == nil ? "the address is too long" : String(cString: strerror(errno))
            log("cannot notify NOTIFY_SOCKET=\(target): \(why)")
        }
    }
}
