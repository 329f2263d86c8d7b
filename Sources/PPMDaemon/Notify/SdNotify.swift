import Dispatch
import Glibc
import PPMMachine
import PPMRuntime

/// sd_notify both ways (SPEC 9): the socket services notify the daemon on
/// (`ServiceNotifications`), and the daemon notifying its own supervisor
/// (`SupervisorNotifier`). Made by the daemon's `init` before any service
/// can start; confined to the loop.
final class SdNotify {
    /// The services' notify socket and what they sent on it.
    let services: ServiceNotifications
    /// The daemon's own `$NOTIFY_SOCKET`, when its supervisor gave one.
    private(set) var supervisorNotifier: SupervisorNotifier?
    private let loop: SupervisorLoop
    private let log: DaemonLog
    private var supervisor: Supervisor { loop.supervisor }

    /// Opens the services' notify socket in `home` and reads
    /// `$NOTIFY_SOCKET`. Services never inherit the daemon's own
    /// `NOTIFY_SOCKET` or watchdog variables; `spawner` gives each its own.
    init(home: String, queue: DispatchQueue, loop: SupervisorLoop, spawner: LinuxSpawner, scheduler: Scheduler, log: DaemonLog) {
        self.loop = loop
        self.log = log
        for variable in SupervisorNotifier.daemonVariables + [NotifySocket.inheritedVariable] {
            spawner.baseEnvironment[variable] = nil
        }
        let supervisor = { [unowned loop] in loop.supervisor }
        services = ServiceNotifications(
            home: home, watcher: ReadinessSet(queue: queue),
            log: { log("warn", $0) },
            leader: { pgid in supervisor().service(leading: pgid) },
            members: { [unowned spawner] in
                supervisor().list().map { s in
                    .init(name: s.name, pgid: s.state.hasProcess ? s.pgid : nil, cgroup: spawner.cgroups?.directory(for: s.name))
                }
            })
        services.onDelivery = { [unowned self] d in
            log("debug", "'\(d.service)' (pid \(d.sender)) notified \(d.messages)")
            notified(d)
        }
        // s6's notification-fd: a newline on it makes the run ready.
        loop.notificationPipes?.onReady = { [unowned loop] name, pid in loop.send(.ready(name, pid: pid)) }
        spawner.extraEnvironment = { [unowned services] spec in services.environment(for: spec) }
        supervisorNotifier = SupervisorNotifier.fromEnvironment(scheduler: scheduler, log: { log("warn", $0) }) {
            [unowned self] in summary()
        }
        _ = loop.journal.addObserver { [unowned self] entry in
            services.noteJournal(type: entry.type, name: entry.name)
            if entry.name != nil { supervisorNotifier?.servicesChanged() }
        }
    }

    /// What a service's sd_notify message means to the supervisor: `READY=1`
    /// makes the current run ready (or ends its reload), `WATCHDOG=1` keeps
    /// it healthy, `WATCHDOG=trigger` makes it unhealthy at once;
    /// `RELOADING=1`, `STOPPING=1`, `ERRNO=`, `STATUS=` and `MAINPID=` are noted in the run.
    private func notified(_ delivery: NotifyDelivery) {
        guard let service = supervisor.snapshot(delivery.service), let pid = service.pid else { return }
        let name = delivery.service
        for message in delivery.messages {
            switch message {
            case .ready: loop.send(.ready(name, pid: pid))
            case .watchdog: loop.send(.watchdog(name, pid: pid, trigger: false))
            case .watchdogTrigger: loop.send(.watchdog(name, pid: pid, trigger: true))
            case .extendTimeout(let microseconds):
                loop.send(.extendReadyTimeout(name, pid: pid, seconds: Double(microseconds) / 1_000_000))
            case .reloading: loop.send(.notice(name, pid: pid, .reloading))
            case .stopping: loop.send(.notice(name, pid: pid, .stopping))
            case .errno(let number): loop.send(.notice(name, pid: pid, .errno(number)))
            case .mainPID(let main):
                let group = getpgid(main)
                guard group > 0, group == service.pgid else {
                    log("warn", "'\(name)' sent MAINPID=\(main), not a process of its own process group: ignored")
                    continue
                }
                loop.send(.notice(name, pid: pid, .mainPID(main, group: group)))
            case .status(let text): loop.send(.notice(name, pid: pid, .status(text)))
            case .watchdogInterval(let microseconds):
                // At most a year: a timer further out is none.
                loop.send(.notice(name, pid: pid, .watchdogInterval(seconds: min(Double(microseconds) / 1_000_000, 31_536_000))))
            case .barrier: break
            }
        }
    }

    /// Once the loop runs: watchdog pings start, and READY=1 goes out as soon as services settle.
    func start() {
        supervisorNotifier?.startWatchdog()
        supervisorNotifier?.servicesChanged()
    }

    /// Where services stand for the daemon's supervisor. Settled: every
    /// autostart service is ready or has run (a crash-looping one has), gave up, is
    /// stopped, or waits only for its own `start_after` delay or for a
    /// service that gave up.
    func summary() -> SupervisorNotifier.Summary {
        let services = supervisor.list()
        var states: [String: ServiceState] = [:]
        for s in services { states[s.name] = s.state }
        let gaveUp: Set<ServiceState> = [.fatal, .crashed, .stopped, .disabled]
        var summary = SupervisorNotifier.Summary(settled: true)
        for s in services {
            switch s.state {
            case .running, .paused, .reloading: summary.running += 1
            case .created, .waiting, .starting: summary.waiting += 1
            case .fatal: summary.fatal += 1
            default: break
            }
            // Started but not ready yet: READY=1 waits for it (or its ready_timeout).
            if s.state == .starting && s.spec.autostart { summary.settled = false }
            guard s.spec.autostart, !s.spec.disabled, s.starts == 0, s.state == .created || s.state == .waiting else { continue }
            let blocked = !s.waitingFor.isEmpty && s.waitingFor.allSatisfy { states[$0].map(gaveUp.contains) ?? true }
            let delayed = s.state == .waiting && s.waitingFor.isEmpty && s.spec.startAfter > 0
            if !blocked && !delayed { summary.settled = false }
        }
        return summary
    }

    /// `show`'s sd_notify fields: the last `STATUS=` text of the current
    /// run, or of the last one while none runs.
    func fields(of name: String) -> [String: JSONValue] {
        guard let s = supervisor.snapshot(name) else { return [:] }
        let text = s.kept.map(\.statusText) ?? s.lastExit?.statusText
        return text.map { ["status_text": .string($0)] } ?? [:]
    }

    /// Keeps the services' socket open across the daemon's exec (`upgrade`),
    /// or closes it on exec again when the exec failed; tells the daemon's
    /// supervisor it is alive just before. The variables for the next image.
    @discardableResult
    func keepAcrossExec(_ keep: Bool) -> [String: String] {
        var handed: [String: String] = [:]
        if let socket = services.socket?.keepAcrossExec(keep) { handed[socket.name] = socket.value }
        if keep { supervisorNotifier?.beforeExec() }
        if supervisorNotifier?.readySent == true { handed[SupervisorNotifier.readyVariable] = String(getpid()) }
        return handed
    }
}
