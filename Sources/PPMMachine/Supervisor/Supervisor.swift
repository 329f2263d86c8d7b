/// The state machine of SPEC section 4, as one transition function:
/// `handle(input)` updates the service table and returns the effects to
/// carry out (spawn, signal, timers, events for the journal and hooks,
/// persistence, replies). It calls nothing outside itself and nothing calls
/// back into it while it runs; answers come back later as inputs.
///
/// Where to read what: starting and exits in `Supervisor+Run.swift`, boot
/// order in `Supervisor+Boot.swift`, stopping, removal and shutdown in
/// `Supervisor+Stop.swift`.
package final class Supervisor {
    /// Backoff, stop timeout, spawn attempts: changed by the `configure` input.
    package private(set) var settings = SupervisorSettings()
    /// Where services without their own `stdout`/`stderr` write (`<home>/logs`).
    package let logDirectory: String?

    let clock: Clock
    var table = ServiceTable()
    /// The effects of the transition running now.
    var effects: [Effect] = []
    /// When the input being handled happened: every time a transition
    /// records comes from here, read once per input.
    var now = Instant(monotonic: 0, wall: 0)
    /// Why the stops and starts of the input being handled happen (`cli`,
    /// `hook`, `depends`, `bounce`, `reload`, `policy`, `unhealthy`,
    /// `shutdown`): the `cause` of their stop and start events.
    var requestCause: String?
    var timerSerial = 0

    // Boot: the next service to consider, and the `wait` service holding it.
    var bootCursor: Int?
    var bootBlocker: String?
    /// The timer that starts the next batch of the boot (`Supervisor+Boot`).
    var bootTimer: TimerID?
    var hasBooted = false

    package internal(set) var isShuttingDown = false
    var shutdownWaiters: [Waiter] = []
    /// Waiters for the end of a service's process (`whenGone`), by service.
    var goneWaiters: [String: [Waiter]] = [:]
    /// The services in phase `draining` (shutdown waits until none is).
    var draining: Set<String> = []
    /// The services whose `post_stop` commands run (shutdown waits for them too).
    var cleaning: Set<String> = []
    /// The serial of the last `CommandID` made.
    var commandSerial = 0

    package init(clock: Clock, logDirectory: String? = nil) {
        self.clock = clock
        self.logDirectory = logDirectory
    }

    // MARK: The transition

    /// Applies one input, at this moment of the clock, and returns what to do, in order.
    package func handle(_ input: SupervisorInput) -> [Effect] {
        handle(input, at: Instant(monotonic: clock.now, wall: clock.wallNow))
    }

    /// Applies one input that happened at `time` and returns what to do, in order.
    package func handle(_ input: SupervisorInput, at time: Instant) -> [Effect] {
        now = time
        requestCause = input.cause
        defer { requestCause = nil }
        switch input {
        case .add(let spec, let held, let persist): add(spec, held: held, persist: persist)
        case .replace(let spec): replace(spec)
        case .declare(let specs): declare(specs)
        case .boot: boot()
        case .start(let name, let after, let scheduled, _): start(name, after: after, scheduled: scheduled)
        case .stop(let name, let waiter, _): stop(name, waiter: waiter)
        case .restart(let name, let waiter, _): restart(name, waiter: waiter)
        case .signal(let name, let sig): signal(name, sig)
        case .remove(let name, let waiter): remove(name, waiter: waiter)
        case .shutdown(let waiter): shutdown(waiter: waiter)
        case .exited(let pid, let status, let ended): exited(pid: pid, status: status, ended: ended)
        case .paused(let pid): setPaused(pid: pid, true)
        case .continued(let pid): setPaused(pid: pid, false)
        case .spawned(let name, let result): spawned(name, result)
        case .decided(let name, let starts, let decision): decided(name, starts: starts, decision)
        case .timer(let id): fired(id)
        case .groupGone(let name): groupGone(name)
        case .adopt(let name, let process): adopt(name, process)
        case .resume(let name, let state): resume(name, state)
        case .configure(let settings): self.settings = settings
        case .ready(let name, let pid): ready(name, pid: pid)
        case .extendReadyTimeout(let name, let pid, let seconds): extendReadyTimeout(name, pid: pid, seconds: seconds)
        case .watchdog(let name, let pid, let trigger): watchdog(name, pid: pid, trigger: trigger)
        case .notice(let name, let pid, let notice): noticed(name, pid: pid, notice)
        case .probed(let name, let pid, let purpose, let ok, let message): probed(name, pid: pid, purpose, ok: ok, message: message)
        case .healthDecided(let name, let starts, let decision): healthDecided(name, starts: starts, decision)
        case .journal(let note): effects.append(.journal(note))
        case .whenGone(let name, let waiter): whenGone(name, waiter)
        case .commandEnded(let id, let result): commandEnded(id, result)
        case .whenStarted(let name, let waiter): whenStarted(name, waiter)
        }
        defer { effects = [] }
        return effects
    }

    // MARK: Reading (between transitions)

    /// Names in declaration order.
    package var names: [String] { table.order }

    /// Whether the service was stopped on request and stays down.
    package func isHeld(_ name: String) -> Bool { table[name]?.held ?? false }

    /// A copy of one service's state, or nil.
    package func snapshot(_ name: String) -> ServiceSnapshot? {
        table[name].map { snapshot($0, now: clock.now) }
    }

    /// Every service's state, in declaration order.
    package func list() -> [ServiceSnapshot] {
        let now = clock.now
        var list: [ServiceSnapshot] = []
        list.reserveCapacity(table.order.count)
        for name in table.order {
            if let service = table[name] { list.append(snapshot(service, now: now)) }
        }
        return list
    }

    /// Each service's state in declaration order, one at a time: what
    /// `list` gives without an array of ten thousand copies, nor `kept` (`ls`).
    package func eachSnapshot(_ body: (inout ServiceSnapshot) -> Void) {
        let now = clock.now
        for name in table.order {
            guard let service = table[name] else { continue }
            var s = snapshot(service, now: now, keeping: false)
            body(&s)
        }
    }

    private func snapshot(_ service: Service, now: Double, keeping: Bool = true) -> ServiceSnapshot {
        var s = service.snapshot(now: now, keeping: keeping)
        s.stopTimeout = service.spec.stopTimeout ?? settings.stopTimeout
        if case .waiting = service.phase { (s.waitingFor, s.blocked) = waiting(service) }
        return s
    }

    /// The service whose current run is the process group `pgid` (its
    /// process leads it, unless sd_notify's `MAINPID=` moved the main
    /// process within the group). Constant time.
    package func service(leading pgid: Int32) -> String? { (table.byPid[pgid] ?? table.movedGroups[pgid])?.spec.name }

    /// The Lua pattern and process of a `starting` service whose readiness
    /// is a log line (`ready = {log = …}`); nil otherwise. Constant time: the
    /// output capture asks for each batch of lines.
    package func readyPattern(of name: String) -> (String, Int32)? {
        guard let service = table[name], case .starting(let run) = service.phase, case .log(let pattern) = service.spec.ready else { return nil }
        return (pattern, run.pid)
    }

    /// Names of the services a CLI word means: a name, `all`, `@group`, or
    /// the name of an `instances` template (its copies, `web@1` …).
    package func resolve(_ word: String) -> [String]? {
        if word == "all" { return table.order }
        if word.hasPrefix("@") { return table.groups[String(word.dropFirst())] }
        if table[word] == nil, let members = table.groups[word] {
            let copies = members.filter { ServiceInstances.split($0)?.template == word }
            return copies.isEmpty ? nil : copies
        }
        return table[word] == nil ? nil : [word]
    }

    // MARK: Declaring and control

    private func add(_ spec: ServiceSpec, held: Bool, persist: Bool) {
        guard table[spec.name] == nil else { return }  // callers check; a late duplicate changes nothing
        let service = Service(spec: spec, persist: persist)
        service.held = held
        table.insert(service)
        if persist { effects.append(.persist(.saved(spec, held: held))) }
        // Before boot, boot starts it; during boot, the boot loop reaches it.
        if hasBooted && bootCursor == nil { initialStart(service) }
    }

    private func start(_ name: String, after: Double?, scheduled: Bool) {
        guard let service = table[name], !service.isBeingRemoved else { return }
        setHeld(service, false)
        if let queued = service.queuedStop {  // a start cancels a pending stop
            effects += queued.waiters.map { .done($0) }
            service.queuedStop = nil
        }
        switch service.phase {
        case .stopping(let run, _):
            // Asked while it stops (a hook's ppm.stop then ppm.start): it starts once stopped.
            service.phase = .stopping(run, then: .restart)
            return
        case .draining(let pgid, _):
            service.phase = .draining(pgid: pgid, then: .restart)
            return
        case .preStarting, .launching, .starting, .running:
            return
        case .created, .disabled, .waiting, .deciding, .down:
            break
        }
        service.spawnFailures = 0
        service.crashes = 0  // a start on request begins a new streak
        service.startCause = requestCause
        if service.phase == .disabled { service.spec.disabled = false }
        if let after, after > 0 { delayStart(service, after: after, scheduled: scheduled) } else { launch(service) }
    }

    private func stop(_ name: String, waiter: Waiter?) {
        guard let service = table[name] else { return waiter.map { effects.append(.done($0)) } ?? () }
        service.startCause = nil  // a start asked before is over
        setHeld(service, true)
        retarget(service, .hold)  // a stop after a restart (or a start while stopping) wins
        stopDependentsFirst(service, then: .hold, waiter: waiter)
    }

    private func restart(_ name: String, waiter: Waiter?) {
        guard let service = table[name] else { return waiter.map { effects.append(.done($0)) } ?? () }
        guard !service.isBeingRemoved else { return waiter.map { effects.append(.done($0)) } ?? () }
        setHeld(service, false)
        service.restarts += 1
        service.crashes = 0  // a restart on request begins a new streak
        if let waiter { service.restartWaiters.append(waiter) }
        switch service.phase {
        case .preStarting, .launching, .starting, .running, .stopping, .draining:
            requestStop(service, then: .restart, waiter: nil)
        case .created, .disabled, .waiting, .deciding, .down:
            cancelTimer(service, .start)
            cancelTimer(service, .bounce)
            service.spawnFailures = 0
            service.startCause = requestCause
            launch(service)
            restarted(service)
        }
    }

    /// Tells those who asked for a restart that it has happened (or cannot);
    /// while its `pre_start` commands run, once they have ended.
    func restarted(_ service: Service) {
        if case .preStarting = service.phase { return }
        effects += service.restartWaiters.map { .done($0) }
        service.restartWaiters = []
    }

    private func signal(_ name: String, _ sig: Int32) {
        guard let service = table[name], let pgid = service.phase.pgid else { return }
        effects.append(.signal(pgid: pgid, Signal(sig)))
    }

    /// SIGSTOP / SIGCONT seen for a process: only a running one shows it.
    private func setPaused(pid: Int32, _ paused: Bool) {
        guard let service = table.byPid[pid], case .running(var run) = service.phase else { return }
        run.paused = paused
        service.phase = .running(run)
    }

    func setHeld(_ service: Service, _ held: Bool) {
        guard service.held != held else { return }
        service.held = held
        if service.persist { effects.append(.persist(.held(service.spec.name, held))) }
    }

    // MARK: Timers

    func arm(_ service: Service, _ kind: TimerID.Kind, after seconds: Double) {
        cancelTimer(service, kind)
        timerSerial += 1
        let id = TimerID(name: service.spec.name, kind: kind, serial: timerSerial)
        service.timers[kind] = id
        effects.append(.arm(id, after: max(0, seconds)))
    }

    func cancelTimer(_ service: Service, _ kind: TimerID.Kind) {
        guard let id = service.timers.removeValue(forKey: kind) else { return }
        effects.append(.cancel(id))
    }

    private func fired(_ id: TimerID) {
        if id.kind == .boot { return bootBatchDue(id) }
        guard let service = table[id.name], service.timers[id.kind] == id else { return }
        service.timers[id.kind] = nil
        switch (id.kind, service.phase) {
        case (.start, .waiting):
            launch(service)  // its start cause was set when the delay was (a policy, a start after a delay)
        case (.kill, .stopping(let run, _)):
            nextStopStep(service, pgid: run.pgid, pid: run.pid)
        case (.kill, .draining(let pgid, _)):
            nextStopStep(service, pgid: pgid, pid: nil)
        case (.bounce, .running):
            service.restarts += 1
            requestCause = "bounce"
            requestStop(service, then: .restart, waiter: nil)
        case (.ready, _): readyTimedOut(service)
        case (.probe, _): probeDue(service)
        case (.watchdog, .running(let run)):
            checkFailed(service, run, "no WATCHDOG=1 in \(Self.seconds(run.watchdogInterval ?? service.spec.watchdog ?? 0)) s", at: .immediately)
        case (.start, _), (.kill, _), (.bounce, _), (.watchdog, _), (.boot, _):
            break  // a timer outlived its phase (a stop already under way ignores a bounce)
        }
    }

    // MARK: Events

    func emit(
        _ kind: ServiceEvent.Kind, _ service: Service, pid: Int32? = nil, status: ExitStatus? = nil,
        runtime: Double? = nil, outcome: Outcome? = nil, error: String? = nil, cause: String? = nil,
        decide: Bool = false, extra: [String: JSONValue] = [:]
    ) {
        var event = ServiceEvent(
            kind: kind, name: service.spec.name, pid: pid, status: status, runtime: runtime,
            starts: service.starts, crashes: service.crashes, outcome: outcome, time: now.wall, error: error)
        event.cause = cause ?? (kind == .stop ? requestCause : nil)
        event.extra = extra
        effects.append(.event(event, decide: decide))
    }
}
