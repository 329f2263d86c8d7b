import CSystem
import FoundationEssentials
import Glibc
package import PPMMachine

/// Starts services as real processes through the C spawner
/// (clone(CLONE_VM | CLONE_VFORK), own session, empty signal mask, default
/// handlers).
///
/// Each spec is prepared once (argv, envp, executable path, rlimits, ids as
/// C data) and kept per service name until the spec or `baseEnvironment`
/// changes, so a restart does no PATH search, no sorting, no copying of the
/// environment. Confined to one thread at a time, like the supervisor.
///
/// A cached executable path is trusted like a shell's command hash: when
/// exec of a cached path fails with ENOENT or EACCES (the file was removed,
/// moved or lost its x bit) the entry is dropped, the spec is prepared
/// again (a new PATH search) and the spawn retried once; if that fails too,
/// its error is reported (e.g. "tool: command not found in PATH"). A failed
/// exec of a freshly prepared command is reported at once, and the command
/// is not kept (the next spawn searches again). What the cache does not
/// see: a new executable of the same name placed earlier in PATH while the
/// old one still works; it is found once the spec or the base environment
/// changes. User and group lookups are made again when
/// /etc/passwd or /etc/group change (inode, size or time).
package final class LinuxSpawner: Spawner {
    /// The environment services inherit (unless `clean_env`). Setting it
    /// drops every prepared command.
    package var baseEnvironment: [String: String] {
        didSet {
            environment = nil
            prepared.removeAll()
        }
    }

    /// The open-files limit children start with when their spec sets none:
    /// the daemon raises its own to hold a pipe per captured stream, and
    /// gives services the limit it was started with. Setting it drops
    /// every prepared command.
    package var childFileLimit: (soft: UInt64, hard: UInt64)? {
        didSet { prepared.removeAll() }
    }

    /// The daemon's home: every service process gets `PPM_LUA_HOME` (so a
    /// `ppm-lua` it runs talks to this daemon) and `PPM_LUA_SERVICE`, which
    /// let a later daemon find it even if it was never recorded (`ServiceFinder`).
    package var home: String? {
        didSet { prepared.removeAll() }
    }

    /// Variables a service gets over its own, by spec (the daemon's
    /// `NOTIFY_SOCKET` for a service that speaks sd_notify). Setting it
    /// drops every prepared command.
    package var extraEnvironment: ((ServiceSpec) -> [String: String])? {
        didSet { prepared.removeAll() }
    }

    /// One cgroup per service (`ServiceCgroups`), where the daemon may make
    /// them; nil: process groups only. Helpers (`spawn(_:stdinFD:output:)`)
    /// never join one.
    package var cgroups: ServiceCgroups?
    /// SPEC 10's limits on those cgroups (nil with no cgroups).
    package var limits: ServiceLimits?
    /// Services whose cgroup this daemon has made or checked (see `ServiceCgroups.renew`).
    private var renewedCgroups: Set<String> = []
    /// The threads that spawn beside the caller's in `spawnAll` (one spawn
    /// context each, `PPM_SPAWN_CONTEXTS` in all), made at the first batch;
    /// fewer (or none) when no more could be made (tried again at the next
    /// batch: a pids limit reached once does not last).
    var spawnHelpers: [WorkerThread] {
        while spawnThreads.count < Int(PPM_SPAWN_CONTEXTS) - 1 {
            let thread = WorkerThread(name: "ppm-lua.spawn")
            guard thread.isRunning else { break }
            spawnThreads.append(thread)
        }
        return spawnThreads
    }
    private var spawnThreads: [WorkerThread] = []

    /// Prepared commands by service name.
    var prepared: [String: PreparedCommand] = [:]
    /// Beyond this many names the cache starts over (services added and removed at run time).
    static let cacheLimit = 4096
    /// `baseEnvironment` as shared C strings, built at the first spawn after a change.
    private var environment: CEnvironment?

    /// A spawner whose services inherit `baseEnvironment`.
    /// Takes the spawner's low descriptor slots now, while low numbers are
    /// likely free (see `ppm_spawn_reserve`).
    package init(baseEnvironment: [String: String] = ProcessInfo.processInfo.environment) {
        self.baseEnvironment = baseEnvironment
        _ = ppm_spawn_reserve()
    }

    /// Starts the service's process in its own session, writing to the
    /// given pipe ends (or its spec's files); its pid, or why not.
    /// With `cgroups`, the child joins the service's cgroup before anything
    /// else; failing that, the spawn fails naming the cgroup.
    package func spawn(_ spec: ServiceSpec, output: ChildOutput) -> Result<Int32, SpawnFailure> {
        guard cgroups != nil else { return spawn(spec, stdinFD: -1, output: output) }
        let target: CgroupTarget?
        switch cgroupTarget(spec) {
        case .success(let opened): target = opened
        case .failure(let failure): return .failure(failure)
        }
        defer { target?.close() }
        switch launch(spec, stdinFD: -1, output: output, cgroup: target) {
        case .started(let pid): return .success(pid)
        case .failed(let failure, let code, _, _): return .failure(Self.named(failure, code))
        }
    }

    /// The service's cgroup, open for a child to start in (made or renewed
    /// at its first start by this daemon), with its v1 hierarchies; nil
    /// without cgroups. The caller closes it.
    func cgroupTarget(_ spec: ServiceSpec) -> Result<CgroupTarget?, SpawnFailure> {
        guard let cgroups else { return .success(nil) }
        if renewedCgroups.insert(spec.name).inserted { cgroups.renew(spec.name) }
        let fd: Int32
        switch cgroups.openDirectory(spec.name) {
        case .success(let opened): fd = opened
        case .failure(let failure): return .failure(failure)
        }
        var target = CgroupTarget(directory: fd, path: cgroups.directory(for: spec.name))
        if let limits {
            switch limits.prepare(spec) {
            case .success(let legacy): (target.legacyProcs, target.legacyPaths) = legacy
            case .failure(let failure):
                Glibc.close(fd)
                return .failure(failure)
            }
        }
        return .success(target)
    }

    /// Spawns with pipe ends as stdin/stdout/stderr (-1: use the spec's paths).
    package func spawn(_ spec: ServiceSpec, stdinFD: Int32, output: ChildOutput) -> Result<Int32, SpawnFailure> {
        switch launch(spec, stdinFD: stdinFD, output: output) {
        case .started(let pid): return .success(pid)
        case .failed(let failure, let code, _, _): return .failure(Self.named(failure, code))
        }
    }

    /// Gets a pidfd for every child started from now on; none when nil.
    package weak var childWatcher: ChildWatcher?

    /// Drops the prepared command of a service that is gone, and its cgroup.
    package func forget(_ name: String) {
        prepared[name] = nil
        cgroups?.remove(name)
        limits?.remove(name)
        renewedCgroups.remove(name)
    }

    /// A failure for want of descriptors names the limit to raise.
    static func named(_ failure: SpawnFailure, _ code: Int32) -> SpawnFailure {
        DescriptorGate.isExhaustion(code) ? DescriptorGate.exhausted(code) : failure
    }

    /// Tells the C spawner that signal handlers or ignored signals changed
    /// outside `ppm_signal_pipe`, so children reset them too.
    package static func signalDispositionsChanged() { ppm_spawn_signals_changed() }

    /// One spawn, with the detail tests need (errno, step, the reaped pid).
    /// The `env_file`s are read at each spawn: a changed file gives a new command.
    func launch(_ spec: ServiceSpec, stdinFD: Int32, output: ChildOutput = ChildOutput(), cgroup: CgroupTarget? = nil) -> SpawnOutcome {
        let command: PreparedCommand
        let fresh: Bool
        switch self.command(for: spec) {
        case .success(let found): (command, fresh) = found
        case .failure(let f): return .failed(f, errno: 0, step: Int32(PPM_STEP_SPAWN), pid: 0)
        }
        let outcome = run(command, stdinFD: stdinFD, output: output, cgroup: cgroup)
        if !fresh && Self.isStalePath(outcome) {
            // The cached executable is gone: search again, once.
            prepared[spec.name] = nil
            return launch(spec, stdinFD: stdinFD, output: output, cgroup: cgroup)
        }
        if fresh { keep(command, of: spec, after: outcome) }
        return outcome
    }

    /// The command for a spawn of `spec`: the prepared one while it fits
    /// (`fresh` false), else a new one (`fresh`: kept by `keep` once it ran).
    func command(for spec: ServiceSpec) -> Result<(command: PreparedCommand, fresh: Bool), SpawnFailure> {
        var fileEnvironment: [String: String] = [:]
        if !spec.envFile.isEmpty {
            switch readEnvFiles(spec) {
            case .success(let variables): fileEnvironment = variables
            case .failure(let f): return .failure(f)
            }
        }
        if let cached = prepared[spec.name], isCurrent(cached, for: spec), cached.fileEnvironment == fileEnvironment {
            return .success((cached, false))
        }
        var marks = home.map { [ServiceFinder.homeVariable: $0, ServiceFinder.serviceVariable: spec.name] } ?? [:]
        if let extra = extraEnvironment?(spec) { marks.merge(extra) { $1 } }
        return PreparedCommand.make(
            spec, environment: currentEnvironment(), fileLimit: childFileLimit, marks: marks,
            fileEnvironment: fileEnvironment
        ).map { ($0, true) }
    }

    /// Keeps a new command for the next spawns, unless its exec failed.
    func keep(_ command: PreparedCommand, of spec: ServiceSpec, after outcome: SpawnOutcome) {
        guard !Self.execFailed(outcome) else { return }
        if prepared[spec.name] == nil && prepared.count >= Self.cacheLimit { prepared.removeAll() }
        prepared[spec.name] = command
    }

    /// The variables of the spec's `env_file`s, each opened as the service's user.
    private func readEnvFiles(_ spec: ServiceSpec) -> Result<[String: String], SpawnFailure> {
        var ids: Identity = (geteuid(), getegid(), [])
        if spec.user != nil || spec.group != nil {
            switch Self.identity(user: spec.user, group: spec.group) {
            case .success(let i): ids = i
            case .failure(let f): return .failure(f)
            }
        }
        return EnvFileLoader.load(spec.envFile, ids: ids)
    }

    /// Runs `command`, handing the child's pidfd to `childWatcher`.
    private func run(_ command: PreparedCommand, stdinFD: Int32, output: ChildOutput, cgroup: CgroupTarget?) -> SpawnOutcome {
        guard let watcher = childWatcher else { return command.run(stdinFD: stdinFD, output: output, pidfd: nil, cgroup: cgroup) }
        var pidfd: Int32 = -1
        let outcome = command.run(stdinFD: stdinFD, output: output, pidfd: &pidfd, cgroup: cgroup)
        if case .started(let pid) = outcome, pidfd >= 0 { watcher.watch(child: pid, pidfd: pidfd) }
        return outcome
    }

    /// Whether a cached command still fits the spec (and the accounts files).
    private func isCurrent(_ command: PreparedCommand, for spec: ServiceSpec) -> Bool {
        guard command.spec == spec, command.environment === environment else { return false }
        if let stamp = command.accounts { return stamp == AccountsStamp.current() }
        return true
    }

    /// An exec that failed because the path no longer names an executable.
    static func isStalePath(_ outcome: SpawnOutcome) -> Bool {
        guard case .failed(_, let err, let step, _) = outcome else { return false }
        return step == Int32(PPM_STEP_EXEC) && (err == ENOENT || err == EACCES)
    }

    /// Any failed exec: such a command is not kept.
    private static func execFailed(_ outcome: SpawnOutcome) -> Bool {
        guard case .failed(_, _, let step, _) = outcome else { return false }
        return step == Int32(PPM_STEP_EXEC)
    }

    private func currentEnvironment() -> CEnvironment {
        if let environment { return environment }
        let made = CEnvironment(baseEnvironment)
        environment = made
        return made
    }

    /// Raises this process's open-files limit: as root (CAP_SYS_RESOURCE)
    /// both limits to `fs.nr_open`, else the soft one to the hard one (at
    /// most 1,048,576 either way); returns the limit it had, for
    /// `childFileLimit`; nil when it was already there.
    package static func raiseFileLimit() -> (soft: UInt64, hard: UInt64)? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        let original = (soft: UInt64(limit.rlim_cur), hard: UInt64(limit.rlim_max))
        let nrOpen = KernelFile.text("/proc/sys/fs/nr_open").flatMap { rlim_t($0.split(separator: "\n").first ?? "") } ?? 0
        let ceiling = min(nrOpen, 1 << 20)
        if ceiling > limit.rlim_max {
            var higher = rlimit(rlim_cur: ceiling, rlim_max: ceiling)
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &higher) == 0 { return original }
        }
        let target = min(limit.rlim_max, 1 << 20)
        guard limit.rlim_cur < target else { return nil }
        limit.rlim_cur = target
        return setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? original : nil
    }

    /// Sends `signal` to the process group (nothing for pgid <= 0).
    package func signalGroup(_ pgid: Int32, _ signal: Int32) {
        guard pgid > 0 else { return }
        kill(-pgid, signal)
    }

    /// Whether any process of the group still exists.
    package func groupAlive(_ pgid: Int32) -> Bool { ppm_group_alive(pgid) != 0 }

    /// The process group, and the service's cgroup when services have them.
    package func signalService(_ name: String, pgid: Int32, _ signal: Int32) {
        signalGroup(pgid, signal)
        cgroups?.signal(name, signal)
    }

    /// Whether the group or the service's cgroup still holds a process.
    package func serviceAlive(_ name: String, pgid: Int32) -> Bool {
        groupAlive(pgid) || cgroups?.populated(name) == true
    }

    /// The group, and each process in the service's cgroup now, held by a
    /// pidfd: the later SIGKILL reaches exactly these (the next run, in the
    /// same cgroup by then, is not touched), and no process that reused a pid.
    package func endLeftovers(_ name: String, pgid: Int32, signal: Int32) -> (() -> Void)? {
        let members = cgroups?.pids(name) ?? []
        let group = groupAlive(pgid)
        guard group || !members.isEmpty else { return nil }
        let handles = members.map { ppm_pidfd_open($0) }.filter { $0 >= 0 }
        if group { signalGroup(pgid, signal) }
        for fd in handles { ppm_pidfd_signal(fd, signal) }
        return { [weak self] in
            if let self, self.groupAlive(pgid) { self.signalGroup(pgid, SIGKILL) }
            for fd in handles {
                ppm_pidfd_signal(fd, SIGKILL)
                close(fd)
            }
        }
    }

    /// Finds the executable as a shell would: a word with a slash is a path
    /// (relative to `dir`), otherwise each folder of PATH in turn.
    static func resolve(_ program: String, searchPath: String?, dir: String?) -> Result<String, SpawnFailure> {
        if program.contains("/") {
            let full = program.hasPrefix("/") || dir == nil ? program : "\(dir!)/\(program)"
            return checkExecutable(full, shown: program)
        }
        for folder in (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(folder)/\(program)"
            if access(candidate, X_OK) == 0 { return .success(candidate) }
        }
        return .failure(SpawnFailure("\(program): command not found in PATH"))
    }

    private static func checkExecutable(_ path: String, shown: String) -> Result<String, SpawnFailure> {
        if access(path, X_OK) == 0 { return .success(path) }
        return .failure(SpawnFailure("\(shown): \(String(cString: strerror(errno)))"))
    }

    /// uid, gid and supplementary groups for `user`/`group`.
    static func identity(user: String?, group: String?) -> Result<Identity, SpawnFailure> {
        var uid = getuid()
        var gid = getgid()
        var groups: [gid_t] = []
        if let user {
            guard let pw = getpwnam(user) else { return .failure(SpawnFailure("unknown user '\(user)'")) }
            uid = pw.pointee.pw_uid
            gid = pw.pointee.pw_gid
            var count: Int32 = 64
            var list = [gid_t](repeating: 0, count: Int(count))
            if getgrouplist(user, gid, &list, &count) < 0 {
                list = [gid_t](repeating: 0, count: Int(count))
                _ = getgrouplist(user, gid, &list, &count)
            }
            groups = Array(list.prefix(Int(max(0, count))))
        }
        if let group {
            if let gr = getgrnam(group) {
                gid = gr.pointee.gr_gid
            } else if let n = gid_t(group) {
                gid = n
            } else {
                return .failure(SpawnFailure("unknown group '\(group)'"))
            }
            if !groups.contains(gid) { groups.insert(gid, at: 0) }
        }
        if groups.isEmpty { groups = [gid] }
        return .success((uid, gid, groups))
    }
}
