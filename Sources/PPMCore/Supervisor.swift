/// The state machine of SPEC section 4: starts services, judges their exits,
/// asks the hooks what next, and restarts, stops or gives up.
///
/// Confined to one executor. Every entry point runs to completion; calls
/// made while another is running (a hook calling `ppm.start`) are queued and
/// run right after, so the machine never re-enters itself.
public final class Supervisor {
    public var settings = SupervisorSettings()
    public weak var hooks: SupervisorHooks?
    /// Where services without their own `stdout`/`stderr` write (`<home>/logs`).
    public var logDirectory: String?
    public let journal: Journal
    /// Called after a service is added or removed, or started or stopped on
    /// request (the daemon persists run-time services then).
    public var onChange: (() -> Void)?

    private let spawner: Spawner
    private let scheduler: Scheduler
    private var services: [String: Service] = [:]
    private var order: [String] = []
    private var byPid: [Int32: Service] = [:]
    /// Services waiting for these (keys) to run: the reverse of `requires`.
    private var dependents: [String: Set<String>] = [:]
    /// Stops whose main process is gone but whose group still has members.
    private var draining: Set<String> = []
    private var busy = false
    private var queued: [() -> Void] = []
    /// Boot: the next service to consider, and the `wait` service holding it.
    private var bootCursor: Int?
    private var bootBlocker: String?
    private var hasBooted = false
    public private(set) var isShuttingDown = false
    private var shutdownDone: [() -> Void] = []

    public init(spawner: Spawner, scheduler: Scheduler, journal: Journal) {
        self.spawner = spawner
        self.scheduler = scheduler
        self.journal = journal
    }

    // MARK: Reading

    public var names: [String] { order }

    /// Whether the service was stopped on request and stays down.
    public func isHeld(_ name: String) -> Bool { services[name]?.held ?? false }

    public func snapshot(_ name: String) -> ServiceSnapshot? {
        services[name]?.snapshot(now: scheduler.now)
    }

    public func list() -> [ServiceSnapshot] {
        order.compactMap { services[$0]?.snapshot(now: scheduler.now) }
    }

    /// Names of the services a CLI word means: a name, `all`, or `@group`.
    public func resolve(_ word: String) -> [String]? {
        if word == "all" { return order }
        if word.hasPrefix("@") {
            let group = String(word.dropFirst())
            let members = order.filter { services[$0]!.spec.groups.contains(group) }
            return members.isEmpty ? nil : members
        }
        return services[word] == nil ? nil : [word]
    }

    // MARK: Declaring

    /// Adds a service. Before `boot()` it waits for boot; afterwards it starts
    /// at once when `autostart` is set. `held` keeps it stopped (a service
    /// that was stopped on request before the daemon restarted).
    public func add(_ spec: ServiceSpec, held: Bool = false) throws(SupervisorError) {
        guard services[spec.name] == nil else { throw .duplicate(spec.name) }
        let service = Service(spec: spec)
        service.held = held
        services[spec.name] = service
        order.append(spec.name)
        for r in spec.requires { dependents[r, default: []].insert(spec.name) }
        // Before boot, boot starts it; during boot, the boot loop reaches it.
        if hasBooted && bootCursor == nil { serialize { self.initialStart(service) } }
        onChange?()
    }

    /// Starts the declared services in order, honouring `wait`.
    public func boot() {
        hasBooted = true
        serialize {
            self.bootCursor = 0
            self.continueBoot()
        }
    }

    private func continueBoot() {
        while let cursor = bootCursor, bootBlocker == nil, !isShuttingDown {
            guard cursor < order.count else {
                bootCursor = nil
                return
            }
            bootCursor = cursor + 1
            guard let service = services[order[cursor]] else { continue }
            initialStart(service)
            if service.spec.wait && (service.state.hasProcess || service.state == .waiting) {
                bootBlocker = service.spec.name
            }
        }
    }

    private func initialStart(_ service: Service) {
        guard !isShuttingDown else { return }
        if service.spec.disabled {
            service.state = .disabled
        } else if !service.spec.autostart || service.held {
            service.state = .stopped
        } else if service.spec.startAfter > 0 {
            delayStart(service, after: service.spec.startAfter)
        } else {
            launch(service)
        }
    }

    // MARK: Control

    /// Starts a service now or after a delay (no-op if it runs).
    public func start(_ name: String, after: Double? = nil) throws(SupervisorError) {
        let service = try lookup(name)
        service.held = false
        defer { onChange?() }
        serialize {
            guard !service.state.hasProcess, self.services[name] === service else { return }
            service.spawnFailures = 0
            if service.state == .disabled { service.spec.disabled = false }
            if let after, after > 0 { self.delayStart(service, after: after) } else { self.launch(service) }
        }
    }

    /// Stops a service; `done` runs once its processes are gone.
    public func stop(_ name: String, done: @escaping () -> Void = {}) throws(SupervisorError) {
        let service = try lookup(name)
        service.held = true
        defer { onChange?() }
        serialize { self.requestStop(service, done: done) }
    }

    /// Stops a running service and starts it again.
    public func restart(_ name: String) throws(SupervisorError) {
        let service = try lookup(name)
        service.held = false
        defer { onChange?() }
        serialize {
            guard self.services[name] === service else { return }
            service.restarts += 1
            if service.state.hasProcess {
                service.restartAfterStop = true
                self.requestStop(service) {}
            } else {
                service.cancelTimers()
                self.launch(service)
            }
        }
    }

    /// Sends a signal to the service's process group.
    public func signal(_ name: String, _ signal: Int32) throws(SupervisorError) {
        let service = try lookup(name)
        guard service.state.hasProcess, let pgid = service.pgid else { throw .notRunning(name) }
        spawner.signalGroup(pgid, signal)
    }

    /// Stops a service and forgets it; `done` runs once it is gone.
    public func remove(_ name: String, done: @escaping () -> Void = {}) throws(SupervisorError) {
        let service = try lookup(name)
        serialize {
            self.requestStop(service) {
                guard self.services[name] === service else { return done() }
                service.cancelTimers()
                self.services[name] = nil
                if let index = self.order.firstIndex(of: name) {
                    self.order.remove(at: index)
                    if let cursor = self.bootCursor, index < cursor { self.bootCursor = cursor - 1 }
                }
                for r in service.spec.requires { self.dependents[r]?.remove(name) }
                if self.bootBlocker == name {
                    self.bootBlocker = nil
                    self.continueBoot()
                }
                self.onChange?()
                done()
            }
        }
    }

    /// Stops every service, dependents before what they require, then
    /// calls `done`. Nothing starts or restarts afterwards.
    public func shutdown(done: @escaping () -> Void) {
        serialize {
            self.isShuttingDown = true
            self.shutdownDone.append(done)
            self.bootCursor = nil
            for service in self.services.values where !service.state.hasProcess {
                service.cancelTimers()
                if service.state == .waiting || service.state == .created { service.state = .stopped }
            }
            self.continueShutdown()
        }
    }

    private func continueShutdown() {
        guard isShuttingDown else { return }
        let alive = order.compactMap { services[$0] }.filter { $0.state.hasProcess }
        if alive.isEmpty {
            let waiters = shutdownDone
            shutdownDone = []
            waiters.forEach { $0() }
            return
        }
        for service in alive where service.state != .stopping {
            let blocked = (dependents[service.spec.name] ?? []).contains { services[$0]?.state.hasProcess ?? false }
            if !blocked { requestStop(service) { self.continueShutdown() } }
        }
    }

    private func lookup(_ name: String) throws(SupervisorError) -> Service {
        guard let s = services[name] else { throw .unknown(name) }
        return s
    }

    // MARK: Process changes (from the reaper)

    /// A child exited or was killed. Unknown pids (orphans) are fine.
    public func processExited(pid: Int32, status: ExitStatus) {
        serialize {
            if let service = self.byPid.removeValue(forKey: pid) {
                self.handleExit(service, status: status)
            }
            self.checkDraining()
        }
    }

    /// A child was stopped by a signal (SIGSTOP, SIGTSTP…).
    public func processPaused(pid: Int32) {
        serialize {
            guard let s = self.byPid[pid], s.state == .running else { return }
            s.state = .paused
        }
    }

    /// A stopped child was continued.
    public func processContinued(pid: Int32) {
        serialize {
            guard let s = self.byPid[pid], s.state == .paused else { return }
            s.state = .running
        }
    }

    // MARK: The machine

    private func delayStart(_ service: Service, after seconds: Double) {
        service.timer?.cancel()
        service.state = .waiting
        service.timer = scheduler.schedule(after: seconds) { [weak self, weak service] in
            guard let self, let service else { return }
            self.serialize {
                guard service.state == .waiting else { return }
                service.timer = nil
                self.launch(service)
            }
        }
    }

    private func launch(_ service: Service) {
        guard !isShuttingDown, services[service.spec.name] === service, !service.state.hasProcess else { return }
        service.timer?.cancel()
        service.timer = nil
        let unmet = service.spec.requires.filter { services[$0]?.state != .running }
        guard unmet.isEmpty else {
            service.state = .waiting  // started again when they run (see `started`)
            return
        }
        var spec = service.spec
        if spec.stdout == nil, let dir = logDirectory { spec.stdout = "\(dir)/\(spec.name).out.log" }
        if spec.stderr == nil, let dir = logDirectory { spec.stderr = "\(dir)/\(spec.name).err.log" }
        service.stdoutPath = spec.stdout
        service.stderrPath = spec.stderr
        service.stopRequested = false
        service.starts += 1
        switch spawner.spawn(spec) {
        case .success(let pid):
            service.pid = pid
            service.pgid = pid
            service.startedAt = scheduler.now
            service.state = .running
            service.spawnFailures = 0
            byPid[pid] = service
            emit(.start, service, pid: pid)
            if let bounce = service.spec.bounce, bounce > 0 { scheduleBounce(service, every: bounce) }
            started(service)
        case .failure(let failure):
            spawnFailed(service, failure)
        }
    }

    private func started(_ service: Service) {
        for name in dependents[service.spec.name] ?? [] {
            if let d = services[name], d.state == .waiting, d.timer == nil { launch(d) }
        }
    }

    private func spawnFailed(_ service: Service, _ failure: SpawnFailure) {
        service.pid = nil
        service.spawnFailures += 1
        service.crashes += 1
        service.streak += 1
        emit(.spawnFailed, service, error: failure.message)
        if service.spawnFailures >= settings.spawnAttempts || service.spec.once || service.spec.restart == .never {
            giveUp(service, as: service.spawnFailures >= settings.spawnAttempts ? .fatal : .crashed)
        } else {
            service.restarts += 1
            delayStart(service, after: settings.backoff.delay(service.streak))
        }
        releaseBoot(service)
    }

    private func handleExit(_ service: Service, status: ExitStatus) {
        let now = scheduler.now
        let runtime = service.startedAt.map { now - $0 } ?? 0
        let pid = service.pid
        service.pid = nil
        service.bounceTimer?.cancel()
        service.bounceTimer = nil
        service.lastExit = LastExit(result: status.result, signal: status.signal, runtime: runtime, time: now)
        let outcome: Outcome
        if service.stopRequested {
            outcome = .stopped
        } else if status == .exited(0) || status == .signaled(15) {
            outcome = .finished
        } else {
            outcome = .crashed
        }
        if outcome != .stopped { service.state = outcome == .crashed ? .crashed : .finished }
        if runtime >= settings.backoff.resetAfter {
            service.streak = 0
            service.crashes = 0
        }
        service.streak += 1
        service.crashes = outcome == .crashed ? service.crashes + 1 : 0
        let result = emit(.exit, service, pid: pid, status: status, runtime: runtime, outcome: outcome)

        if outcome == .stopped {
            if let pgid = service.pgid, spawner.groupAlive(pgid) {
                draining.insert(service.spec.name)
            } else {
                finishStop(service)
            }
        } else if isShuttingDown {
            service.state = outcome == .crashed ? .crashed : .finished
            continueShutdown()
        } else {
            apply(result.decision ?? policy(service.spec, outcome), to: service, outcome: outcome)
        }
        releaseBoot(service)
    }

    /// The service's own `restart` policy (a Lua policy function that
    /// returned nil falls back to the default).
    private func policy(_ spec: ServiceSpec, _ outcome: Outcome) -> Decision {
        if spec.once { return .stop }
        switch spec.restart {
        case .never: return .stop
        case .always: return .restart(after: nil)
        case .onFailure, .function: return outcome == .crashed ? .restart(after: nil) : .stop
        }
    }

    private func apply(_ decision: Decision, to service: Service, outcome: Outcome) {
        switch decision {
        case .restart(let after):
            service.restarts += 1
            let delay = after ?? settings.backoff.delay(service.streak)
            if delay <= 0 { launch(service) } else { delayStart(service, after: delay) }
        case .stop:
            service.state = outcome == .crashed ? .crashed : .finished
        case .fatal:
            giveUp(service, as: .fatal)
        }
    }

    private func giveUp(_ service: Service, as state: ServiceState) {
        service.cancelTimers()
        service.state = state
        if state == .fatal { emit(.fatal, service) }
    }

    private func releaseBoot(_ service: Service) {
        guard bootBlocker == service.spec.name else { return }
        bootBlocker = nil
        continueBoot()
    }

    private func scheduleBounce(_ service: Service, every seconds: Double) {
        service.bounceTimer = scheduler.schedule(after: seconds) { [weak self, weak service] in
            guard let self, let service, service.state.hasProcess else { return }
            self.serialize {
                service.bounceTimer = nil
                service.restarts += 1
                service.restartAfterStop = true
                self.requestStop(service) {}
            }
        }
    }

    private func requestStop(_ service: Service, done: @escaping () -> Void) {
        guard service.state.hasProcess, let pgid = service.pgid else {
            service.cancelTimers()
            service.restartAfterStop = false
            if service.state != .disabled && service.state != .fatal { service.state = .stopped }
            done()
            return
        }
        service.stopWaiters.append(done)
        guard service.state != .stopping else { return }
        let wasPaused = service.state == .paused
        service.stopRequested = true
        service.state = .stopping
        service.timer?.cancel()
        service.timer = nil
        emit(.stop, service, pid: service.pid)
        spawner.signalGroup(pgid, service.spec.stopSignal)
        if wasPaused { spawner.signalGroup(pgid, 18) }
        let timeout = service.spec.stopTimeout ?? settings.stopTimeout
        service.killTimer = scheduler.schedule(after: timeout) { [weak self, weak service] in
            guard let self, let service, service.state == .stopping, let pgid = service.pgid else { return }
            self.spawner.signalGroup(pgid, 9)
        }
    }

    private func checkDraining() {
        for name in draining {
            guard let s = services[name], let pgid = s.pgid else {
                draining.remove(name)
                continue
            }
            if !spawner.groupAlive(pgid) {
                draining.remove(name)
                finishStop(s)
            }
        }
    }

    private func finishStop(_ service: Service) {
        service.killTimer?.cancel()
        service.killTimer = nil
        service.pgid = nil
        service.stopRequested = false
        service.state = .stopped
        let waiters = service.stopWaiters
        service.stopWaiters = []
        if service.restartAfterStop && !isShuttingDown {
            service.restartAfterStop = false
            launch(service)
        }
        waiters.forEach { $0() }
    }

    // MARK: Events

    @discardableResult
    private func emit(_ kind: ServiceEvent.Kind, _ service: Service, pid: Int32? = nil, status: ExitStatus? = nil,
                      runtime: Double? = nil, outcome: Outcome? = nil, error: String? = nil) -> HookResult {
        let event = ServiceEvent(
            kind: kind, name: service.spec.name, pid: pid, status: status, runtime: runtime,
            starts: service.starts, crashes: service.crashes, outcome: outcome, time: scheduler.now, error: error)
        journal.record(kind.rawValue, name: event.name, time: event.time, fields: event.fields)
        let result = hooks?.handle(event, service: service.snapshot(now: scheduler.now)) ?? HookResult()
        for message in result.errors {
            journal.record("hook_error", name: event.name, time: scheduler.now, fields: ["error": .string(message)])
        }
        return result
    }

    // MARK: Run to completion

    private func serialize(_ body: @escaping () -> Void) {
        if busy {
            queued.append(body)
            return
        }
        busy = true
        body()
        while !queued.isEmpty { queued.removeFirst()() }
        busy = false
    }
}

/// Why a control request on the supervisor failed.
public enum SupervisorError: Error, Equatable, CustomStringConvertible {
    case unknown(String)
    case duplicate(String)
    case notRunning(String)

    public var description: String {
        switch self {
        case .unknown(let n): "unknown service '\(n)'"
        case .duplicate(let n): "a service named '\(n)' already exists"
        case .notRunning(let n): "service '\(n)' is not running"
        }
    }
}
