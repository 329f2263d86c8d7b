package import Dispatch
import Glibc
package import PPMMachine

/// Carries the supervisor's effects out and feeds the answers back as
/// inputs: the one place where the core meets the world.
///
/// Inputs sent while a turn runs (a hook calling `ppm.start`, a waiter
/// replying) queue up and run right after, so the supervisor and the Lua
/// state are never re-entered. At the end of each turn the state store
/// writes what changed, once. Confined to the daemon's loop.
package final class SupervisorLoop {
    /// The state machine, readable between turns (`ls`, `ppm.get`).
    package let supervisor: Supervisor
    package let journal: Journal
    /// The hooks each event runs (the Lua layer); nil runs none.
    package weak var hooks: SupervisorHooks?
    /// Where running processes and run-time services are persisted.
    package var store: StateStore?
    /// The queue the loop is confined to once the daemon runs: every entry
    /// checks that it is called there, so a thread mistake fails loudly.
    package var queue: DispatchQueue?
    /// Watches adopted processes (not children: no SIGCHLD); nil: their
    /// end is never seen.
    package var processWatcher: ProcessWatcher?
    /// The notification pipes of services with `ready = {fd = N}`; nil: none is made.
    package var notificationPipes: NotificationPipes?
    /// Runs readiness probes and health checks; nil: every probe fails.
    package var probeRunner: ProbeRunner?
    /// Runs services' `pre_start`, `stop_cmd` and `post_stop` commands; nil:
    /// each fails at once.
    package var commandRunner: CommandRunner?
    /// Captures the output of services without files of their own; nil:
    /// such children write to the daemon's own stdout and stderr.
    package var output: OutputCapture?
    /// Keeps the daemon's reserve of descriptors out of the services'
    /// reach (`SupervisorLoop+Spawn`); nil: no reserve is kept.
    package var descriptors: DescriptorGate?
    /// Told at the end of each turn which services it may have changed
    /// (`ppm-lua top`'s subscription); nil: nothing is collected.
    package var changesObserver: ((ChangedServices) -> Void)?

    let spawner: Spawner
    private let scheduler: Scheduler
    private var inputs: [SupervisorInput] = []
    private var turning = false
    private var settled: [() -> Void] = []
    private var timers: [TimerID: TimerToken] = [:]
    private var waiters: [Int: () -> Void] = [:]
    private var nextWaiter = 0
    /// Stopped services still draining (process group, cgroup).
    private var watched: [String: Int32] = [:]
    /// Looks at draining services again: members that are not children
    /// (an adopted group) end without a SIGCHLD.
    private var recheck: TimerToken?
    /// What the running turn changed, while `changesObserver` is set.
    private var changes = ChangedServices()
    /// The health checks of running services (`checkHealth` effects).
    private lazy var healthChecks = HealthCheckLoop(
        scheduler: scheduler, runner: { [weak self] in self?.probeRunner }, report: { [weak self] in self?.send($0) })

    package init(supervisor: Supervisor, spawner: Spawner, scheduler: Scheduler, journal: Journal) {
        self.supervisor = supervisor
        self.spawner = spawner
        self.scheduler = scheduler
        self.journal = journal
    }

    /// Handles an input now, or after the running turn.
    package func send(_ input: SupervisorInput) {
        assertOnQueue()
        inputs.append(input)
        turn {}
    }

    /// Runs `body` as part of a turn: the inputs it sends wait until it returns.
    package func turn<T>(_ body: () throws -> T) rethrows -> T {
        assertOnQueue()
        if turning { return try body() }
        turning = true
        defer {
            drain()
            while !settled.isEmpty {
                let waiting = settled
                settled = []
                waiting.forEach { $0() }
                drain()
            }
            turning = false
            descriptors?.turnEnded()
            store?.flush()
            reportChanges()
        }
        return try body()
    }

    /// Runs `body` once the inputs sent so far have been handled (at once
    /// outside a turn): a reply that shows their result.
    package func whenSettled(_ body: @escaping () -> Void) {
        if turning { settled.append(body) } else { body() }
    }

    /// Journals `note` (a daemon-level entry: `config`, `daemon_error`, a
    /// hook error outside an event…) after the inputs sent before it, as
    /// the `journal` effect of a `journal` input.
    package func record(_ note: JournalNote) {
        send(.journal(note))
    }

    /// The journal's one writer: numbers, times and stamps `utc` on every entry.
    func write(_ note: JournalNote) {
        journal.record(note, at: scheduler.wallNow)
    }

    /// A waiter to put in an input; `done` runs when the request completes.
    package func waiter(_ done: @escaping () -> Void) -> Waiter {
        assertOnQueue()
        nextWaiter += 1
        waiters[nextWaiter] = done
        return Waiter(id: nextWaiter)
    }

    /// The moment an input is handled: the time it comes in with.
    private func moment() -> Instant { Instant(monotonic: scheduler.now, wall: scheduler.wallNow) }

    private func assertOnQueue() {
        if let queue { LoopConfinement.check(queue) }
    }

    /// Tells the observer what the turn changed, after the turn: it may
    /// read the supervisor then.
    private func reportChanges() {
        guard let changesObserver, !changes.isEmpty else { return }
        let changed = changes
        changes = ChangedServices()
        changesObserver(changed)
    }

    private func drain() {
        var next = 0
        while next < inputs.count {
            let input = inputs[next]
            next += 1
            if changesObserver != nil { changes.note(input) }
            carryOut(supervisor.handle(input, at: moment()))
            if case .exited = input { checkWatchedGroups() }
        }
        inputs.removeAll(keepingCapacity: true)
    }

    /// Carries out `effects` in the order the transition wrote them. What
    /// the world answers (a spawn's pid, a hook's decision) is an input
    /// handled after the whole list, never in the middle of it: a later
    /// effect of the list (a `persist(.gone)`) must not undo what the
    /// answer recorded (the new process). Waiters are told last, so that a
    /// reply shows the answers too (`restarted (pid 1 → 2)`).
    private func carryOut(_ effects: [Effect]) {
        var answers: [SupervisorInput] = []
        var completed: [Waiter] = []
        run(effects, answers: &answers, completed: &completed)
        var next = 0
        while next < answers.count {
            let answer = answers[next]
            next += 1
            if changesObserver != nil { changes.note(answer) }
            run(supervisor.handle(answer, at: moment()), answers: &answers, completed: &completed)
        }
        for waiter in completed { waiters.removeValue(forKey: waiter.id)?() }
    }

    private func run(_ effects: [Effect], answers: inout [SupervisorInput], completed: inout [Waiter]) {
        var next = 0
        while next < effects.count {
            let effect = effects[next]
            next += 1
            if changesObserver != nil { changes.note(effect) }
            switch effect {
            case .spawn(let spec):
                // The spawns that follow it at once start together (a boot batch, `start all`).
                var specs = [spec]
                while next < effects.count, case .spawn(let following) = effects[next] {
                    if changesObserver != nil { changes.note(effects[next]) }
                    specs.append(following)
                    next += 1
                }
                if specs.count == 1 {
                    answers.append(.spawned(spec.name, spawnService(spec)))
                } else {
                    for (started, result) in zip(specs, spawnServices(specs)) { answers.append(.spawned(started.name, result)) }
                }
            case .signal(let pgid, let sig):
                spawner.signalGroup(pgid, sig.rawValue)
            case .signalService(let name, let pgid, let sig):
                spawner.signalService(name, pgid: pgid, sig.rawValue)
            case .arm(let id, let after):
                timers[id] = scheduler.schedule(after: after) { [weak self] in
                    guard let self, self.timers.removeValue(forKey: id) != nil else { return }
                    self.send(.timer(id))
                }
            case .cancel(let id):
                timers.removeValue(forKey: id)?.cancel()
            case .event(var event, let decide):
                if event.kind == .exit, let output { event.tail = output.exited(event.name) }
                if event.kind == .exit, spawner.outOfMemory(event.name) { event.extra["oom"] = .bool(true) }
                write(JournalNote(event))
                let result = hooks?.handle(event, decide: decide) ?? HookResult()
                for message in result.errors { write(.hookError(message, name: event.name)) }
                if decide && !result.pending {
                    answers.append(
                        event.kind == .unhealthy
                            ? .healthDecided(event.name, starts: event.starts, result.decision)
                            : .decided(event.name, starts: event.starts, result.decision))
                }
            case .journal(let note):
                write(note)
            case .watchGroup(let name, let pgid):
                watched[name] = pgid
                checkWatchedGroups()
            case .forget(let name):
                spawner.forget(name)
                output?.remove(name)
                descriptors?.forget(name)
                notificationPipes?.forget(name)
            case .endGroup(let name, let pgid, let sig, let after):
                guard let killRest = spawner.endLeftovers(name, pgid: pgid, signal: sig.rawValue) else { break }
                _ = scheduler.schedule(after: after, killRest)
            case .watchProcess(let pid):
                let watching =
                    processWatcher?.watch(pid) { [weak self] status, ended in
                        self?.send(.exited(pid: pid, status: status, ended: ended))
                    } ?? false
                if !watching { inputs.append(.exited(pid: pid, status: .unknown)) }
            case .probe(let spec, let pid, let purpose, let probe, let timeout):
                guard let probeRunner else {
                    answers.append(.probed(spec.name, pid: pid, purpose, ok: false, message: "no probe runner"))
                    break
                }
                let name = spec.name  // the answer holds the name, not a copy of the spec
                probeRunner.run(probe, purpose, for: spec, pid: pid, timeout: timeout) { [weak self] ok, message in
                    self?.send(.probed(name, pid: pid, purpose, ok: ok, message: message))
                }
            case .checkHealth(let plan):
                healthChecks.start(plan)
            case .tuneHealthChecks(let name, let tuning):
                healthChecks.tune(name, tuning)
            case .endHealthChecks(let name):
                healthChecks.end(name)
            case .runCommand(let command):
                guard let commandRunner else {
                    answers.append(.commandEnded(command.id, CommandResult(status: nil, error: "no command runner")))
                    break
                }
                commandRunner.run(command) { [weak self] result in self?.send(.commandEnded(command.id, result)) }
            case .endCommand(let id):
                commandRunner?.end(id)
            case .done(let waiter):
                completed.append(waiter)
            case .persist(let change):
                store?.apply(change)
            }
        }
    }

    /// Reports the watched groups that have no member left. Called after
    /// each reaped child: a group empties when its last member is reaped.
    private func checkWatchedGroups() {
        guard !watched.isEmpty else { return }
        for (name, pgid) in watched where !spawner.serviceAlive(name, pgid: pgid) {
            watched[name] = nil
            inputs.append(.groupGone(name))
        }
        guard !watched.isEmpty, recheck == nil else { return }
        // Only while something drains: an idle daemon arms nothing.
        recheck = scheduler.schedule(after: 0.1) { [weak self] in
            guard let self else { return }
            self.recheck = nil
            self.turn { self.checkWatchedGroups() }
        }
    }
}
