import CSystem
import Dispatch
import Glibc
import LuaKit
import PPMClient
import PPMMachine
import PPMProtocol
import PPMRuntime
import PPMScript

/// The running supervisor, and the composition root of the daemon: it makes
/// the loop queue and the parts on it, in order (the supervisor's loop, the
/// Lua state, output capture and the fd holder, the home's disk, sd_notify,
/// cgroups, the upgrader, the control service, the control socket and the
/// TCP listener), adopts what a previous daemon left, and wires the parts
/// to one another. Reload and scale (`Reload/`) and adoption
/// (`Processes/Daemon+Adopt.swift`) are its extensions; the control
/// commands are `ControlService`'s.
///
/// `@unchecked Sendable` because all state is confined to `queue`: every
/// entry (signals, timers, sockets) is a Dispatch source on that queue.
package final class Daemon: @unchecked Sendable {
    let options: DaemonOptions
    /// The daemon's log on stderr.
    let log: DaemonLog
    /// The loop's queue. Held (suspended) from the end of the set-up's
    /// checks until `run`: sources and timers the set-up makes on it (output
    /// pipes, pidfds, helpers taken over) deliver nothing while `init` still
    /// works on the main thread.
    let queue: DispatchQueue
    /// The hook host of the current Lua state; a reload replaces it.
    var host: HookHost
    /// Its interrupter, for the control socket's off-loop `interrupt`.
    let interrupter: CurrentInterrupter
    /// The services the config declared at the last load, and their order.
    var configured: [String: ConfiguredService] = [:]
    var configOrder: [String] = []
    /// The config's `instances` templates by name (requires resolved), and
    /// the copies each runs now (the config's count or a `scale`).
    var templates: [String: ConfiguredService] = [:]
    var instanceCounts: [String: Int] = [:]
    /// The last reload's failure (wall time, `FILE:LINE: message`), until a reload succeeds: `status` shows it.
    var reloadFailure: (time: Double, error: String)?
    let loop: SupervisorLoop
    var supervisor: Supervisor { loop.supervisor }
    var journal: Journal { loop.journal }
    let spawner = LinuxSpawner()
    let helpers: HelperProcesses
    /// The sockets of `ppm.udp.listen`, watched on the loop queue.
    lazy var udpSockets = ReadinessSet(queue: queue)
    /// Runs tcp, http and exec probes on the loop (`ppm.probe.*`).
    lazy var prober: Prober = {
        let prober = Prober(
            queue: queue, sockets: udpSockets, clock: scheduler,
            launch: { [unowned self] spec, timeout, done in
                self.helpers.spawn(spec, stdin: nil, timeout: timeout, onExit: false, killAfter: 0, done: done)
            }, endHelper: { [unowned self] pid in self.helpers.killProbe(pid) })
        prober.specOf = { [unowned self] name in self.supervisor.snapshot(name)?.spec }
        return prober
    }()
    /// Slow work off the loop (`stats`), on a thread made at start (see `WorkerThread`).
    let sideWork = WorkerThread(name: "ppm-lua.side", niceness: 10)
    /// Captured stdout/stderr of the services (`<home>/logs`).
    let output: OutputCapture
    /// Copies captured lines to stdout or journald (`forward`).
    let forwarder: Forwarder
    /// Keeps the output pipes open when the daemon dies; nil if it could not start.
    let holder: FDHolder?
    let scheduler: DispatchScheduler
    /// When the daemon started, on the monotonic clock.
    let startedAt: Double
    private(set) var server: ControlServer?
    /// The TCP listener, when the config asks for one.
    let remote: RemoteAccess
    /// The metrics endpoint, when the config asks for one (`Daemon+Metrics`).
    private(set) var metricsServer: MetricsServer?
    /// Watches the config and the modules it loaded; a save reloads.
    var configWatcher: FileWatcher?
    /// Restarts services whose `depends` files change.
    var dependsWatcher: DependsWatcher?
    private let signals: SignalLoop
    /// Reaps children through their pidfds; SIGCHLD schedules a sweep.
    lazy var reaper = ChildReaper(queue: queue, scheduler: scheduler) { [unowned self] event in self.handleSignal(event) }
    /// Told once every service has stopped, just before the daemon exits
    /// (non-empty once a quit was asked).
    var quitWaiters: [() -> Void] = []
    /// Whether a quit was asked (the daemon is stopping every service).
    var quitting: Bool { !quitWaiters.isEmpty }
    let store: StateStore
    /// The home's disk: write failures shown and journaled.
    let disk: HomeDisk
    /// A cgroup per service, or process groups only.
    let cgroups: CgroupPlacement
    /// Services' sd_notify socket, and the daemon's own `$NOTIFY_SOCKET`.
    let notify: SdNotify
    /// Re-executes the daemon in place (`upgrade`, the watchdog).
    let upgrader: Upgrader
    /// Serves the control commands of the socket and the TCP listener.
    private(set) lazy var control = ControlService(
        root: self, options: options, queue: queue, loop: loop, scheduler: scheduler, startedAt: startedAt, cgroups: cgroups, disk: disk,
        store: store, output: output, notify: notify, forwarder: forwarder, remote: remote, upgrader: upgrader, sideWork: sideWork)

    /// Loads the config and prepares everything; nothing runs yet. Throws
    /// with a one-line message for the user.
    package init(options: DaemonOptions) throws {
        // Few threads, little contention: one arena keeps the daemon's
        // resident memory close to what it uses (see ControlConnection.close).
        ppm_malloc_one_arena()
        // libdispatch traps where it first opens descriptors: before any can run short.
        DescriptorBudget.prepareDispatch()
        self.options = options
        let log = DaemonLog(verbose: options.verbose)
        self.log = log
        // Drained by the main thread (`ppm_run_main_queue`): no thread to make, even at a pids limit.
        let queue = DispatchQueue(label: "ppm-lua.loop", target: .main)
        self.queue = queue
        LoopTurns.loop = queue
        ImageEnvironment.take()
        let handover = Handover.take()
        signals = try SignalLoop()
        let locations = options.locations
        try locations.create()
        let config = try ConfigLoader(
            context: .init(
                version: options.version, configPath: options.configPath, home: locations.home,
                pluginFolders: Locations.pluginFolders()))
        if let path = options.configPath { try config.loadConfig(path: path) }
        host = HookHost(config)
        interrupter = CurrentInterrupter(host.lua.interrupter)
        try Self.checkNoOtherDaemon(locations.socket)
        let homeLock = try HomeLock.take(locations.home, inherited: handover?.homeLock ?? -1)
        if let warning = homeLock.warning { Console.error("ppm-lua: warning: \(warning)\n") }
        for warning in TrustedPaths.warnings(config: options.configPath, tokenFile: host.listen?.tokenFile) {
            Console.error("ppm-lua: warning: \(warning)\n")
        }
        // Nothing below throws (a suspended queue must not be released).
        queue.suspend()
        scheduler = DispatchScheduler(queue: queue)
        startedAt = scheduler.now
        let supervisor = Supervisor(clock: scheduler, logDirectory: locations.logs)
        loop = SupervisorLoop(supervisor: supervisor, spawner: spawner, scheduler: scheduler, journal: Journal(path: locations.journal, queue: queue))
        helpers = HelperProcesses(queue: queue, spawner: spawner, scheduler: scheduler)
        loop.commandRunner = ServiceCommandRunner(helpers: helpers)
        // A pipe per captured stream: room for thousands of services.
        spawner.childFileLimit = LinuxSpawner.raiseFileLimit()
        output = OutputCapture(
            directory: locations.logs, watcher: ReadinessSet(queue: queue), policy: host.logPolicy,
            openFiles: OutputCapture.logFileCapacity(limit: DescriptorBudget.limit()))
        output.hooks = host
        loop.output = output
        forwarder = Forwarder(output: output, commandLine: options.forward, environment: Forwarder.socketOverrides())
        loop.notificationPipes = NotificationPipes(watcher: ReadinessSet(queue: queue))
        store = StateStore(path: locations.state, queue: queue)
        let disk = HomeDisk(home: locations.home, store: store, loop: loop, output: output, log: log)
        self.disk = disk
        cgroups = CgroupPlacement(spawner: spawner, log: log)
        remote = RemoteAccess(loop: loop, log: log)
        holder = FDHolder.connectOrStart(path: locations.fdHolder)
        Self.keepOutput(output, in: holder, services: config.declared.count + store.services.count, disk: disk)
        disk.watch(scheduler: scheduler)
        Self.setUpDescriptorGate(loop: loop, output: output, log: log)
        disk.logRepairs(journalPath: locations.journal)
        notify = SdNotify(home: locations.home, queue: queue, loop: loop, spawner: spawner, scheduler: scheduler, log: log)
        upgrader = Upgrader(loop: loop, store: store, helpers: helpers, homeLock: homeLock, notify: notify, log: log)
        // Every part is made: what follows wires them to the daemon.
        host.daemon = daemonHooks()
        let counts = instanceCounts(for: config.declared)
        forgetOverriddenScales(config.declared)
        noteTemplates(config.declared, hookSources: config.hookSources, counts: counts)
        let services = configuredServices(config.declared, hookSources: config.hookSources, counts: counts)
        let declared = services.map(\.spec.name)
        for service in services { configured[service.spec.name] = service }
        configOrder = declared
        spawner.home = locations.home
        cgroups.setUp(
            asked: host.cgroups, home: locations.home,
            limits: (config.declared + store.services.map(\.spec)).contains { !$0.limits.isEmpty })
        // What a killed daemon left running; the store then records only this daemon's processes.
        var leftovers = Leftovers.find(
            store: store, specs: services.map(\.spec) + store.services.map(\.spec), home: locations.home,
            cgroups: spawner.cgroups, handedOver: Set((handover?.helpers ?? []).map(\.pid)))
        // An upgrade hands over what the state log has and more (time left on deadlines).
        leftovers.kept.merge(handover?.runs ?? [:]) { $1 }
        for name in store.processes.keys { store.apply(.gone(name)) }
        loop.store = store
        loop.processWatcher = PidWatcher(queue: queue, scheduler: scheduler)
        host.attach(loop, scheduler: scheduler, counts: counts)
        recordConfig(ConfigChange(added: declared))
        restoreRuntimeServices(configNames: Set(declared))
        spawner.baseEnvironment[Handover.variable] = nil
        spawner.baseEnvironment[Handover.fdVariable] = nil
        for (name, state) in handover?.services ?? [:] { loop.send(.resume(name, state)) }
        adopt(leftovers)
        cgroups.sweep(supervisor)
        if let handover {
            // Still children: reaped through pidfds again, as services are.
            for pid in helpers.takeOver(handover.helpers, lost: { [unowned upgrader] in upgrader.lostHelper($0) }) { reaper.watch(child: pid) }
            loop.record(JournalNote("daemon_restarted", fields: ["cause": .string(handover.cause), "adopted": .init(leftovers.processes.count)]))
        }
    }

    /// Makes `holder` keep the output pipes, and takes back the pipes of
    /// services a killed daemon left running, as many as the limit allows
    /// (each costs its read end, the log files a share of their own; about `services` may run).
    private static func keepOutput(_ output: OutputCapture, in holder: FDHolder?, services: Int, disk: HomeDisk) {
        guard let holder else {
            return Console.error("ppm-lua: warning: the fd holder did not start: captured output will not survive a killed daemon\n")
        }
        output.keeper = holder
        output.onUnkept = { [unowned disk] name, stream, reason in disk.reportUnkept(name, stream, reason) }
        let (pipes, lost) = holder.takeAll(budget: max(0, DescriptorBudget.available(services: services) - output.logFileCapacity))
        output.restore(pipes)
        if !lost.isEmpty {
            Console.error(
                "ppm-lua: warning: the open-files limit (\(DescriptorBudget.limit())) leaves no room to read "
                    + "the output of \(lost.count) stream(s): \(lost.sorted().prefix(10).joined(separator: ", "))\(lost.count > 10 ? " …" : ""); their lines wait in "
                    + "the fd holder's pipes until a daemon with a higher limit (ulimit -n) takes them back\n")
        }
    }

    /// Brings back the services added at run time before the last exit.
    private func restoreRuntimeServices(configNames: Set<String>) {
        for entry in store.services {
            if configNames.contains(entry.spec.name) {
                log("warn", "persisted service '\(entry.spec.name)' not restored: the config declares a service with that name")
                store.apply(.forgotten(entry.spec.name))
            } else {
                loop.send(.add(entry.spec, held: entry.held, persist: true))
            }
        }
    }

    private static func checkNoOtherDaemon(_ socket: String) throws {
        if let client = try? ControlClient(socket: socket), (try? client.call("status")) != nil {
            throw POSIXFailure("a daemon already answers on \(socket)")
        }
    }

    /// Starts serving and never returns; the process exits after `quit`.
    package func run() -> Never {
        ppm_set_child_subreaper()
        upgrader.installWatchdog(fixedSeconds: host.watchdog)
        do {
            try remote.open(host.listen, version: options.version, queue: queue, scheduler: scheduler, interrupter: interrupter) {
                [unowned self] request, connection, call in self.control.handle(request, connection, call: call)
            }
            metricsServer = try makeMetricsServer()
            let server = try ControlServer(path: options.locations.socket, loop: queue, interrupter: interrupter) {
                [unowned self] request, connection, call in self.control.handle(request, connection, call: call)
            }
            self.server = server
        } catch {
            Console.error("ppm-lua: \(error)\n")
            spawner.cgroups?.removeIfEmpty()
            exit(1)
        }
        if let pidfile = options.pidfile { try? AtomicFile.write("\(getpid())\n", to: pidfile) }
        queue.turnAsync { [self] in
            loop.queue = queue
            spawner.childWatcher = reaper
            signals.start(queue: queue) { [unowned self] event in self.handleSignal(event) }
            // Children that ended while a previous image of this daemon re-executed.
            reaper.sweep()
            // Their descriptors before any service's (SPEC 13).
            watchConfig()
            watchDepends()
            startForwarding()
            loop.send(.boot)
            notify.start()
            server?.resume()
            remote.resume()
            metricsServer?.resume()
            let tcp = remote.endpoint.map { ", TCP \($0)" } ?? ""
            let metrics = metricsServer.map { ", metrics http://\($0.endpoint)/metrics" } ?? ""
            log("info", "ppm-lua \(options.version) running, pid \(getpid()), socket \(options.locations.socket)" + tcp + metrics)
            cgroups.logWhereServicesRun()
            releaseUnusedMemory()
        }
        queue.resume()  // held since init
        MainLoop.run()
    }
}

extension Daemon: ControlRoot {
    /// Where the metrics endpoint listens, when there is one.
    var metricsEndpoint: String? { metricsServer?.endpoint.description }
}
