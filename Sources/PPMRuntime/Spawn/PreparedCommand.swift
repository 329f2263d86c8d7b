import CSystem
import Glibc
import PPMMachine

/// Everything `ppm_spawn` needs for one spec, as C data built once: argv,
/// envp (base environment merged with the spec's), the resolved executable,
/// rlimits, uid/gid/groups, affinity. Spawning a prepared command copies one
/// struct and allocates nothing that grows with the command or environment.
final class PreparedCommand {
    /// The spec this was built from; any change needs a new one.
    let spec: ServiceSpec
    /// The base environment the envp was merged from (kept alive: envp points into it).
    let environment: CEnvironment
    /// The executable found by the PATH search (or the spec's path).
    let path: String
    /// The variables read from the spec's `env_file`s for this command.
    let fileEnvironment: [String: String]
    /// /etc/passwd and /etc/group times when `user`/`group` were looked up; nil without them.
    let accounts: AccountsStamp?
    /// The C view handed to `ppm_spawn`; its pointers live as long as `self`.
    private var template = ppm_spawn_spec()
    /// Memory this object owns and frees.
    private var owned: [UnsafeMutableRawPointer] = []

    /// Builds the C data for `spec`, or says why it cannot be spawned
    /// (empty command, executable not found, unknown user, group or ulimit).
    /// `fileLimit`: the open-files limit for a spec that sets none.
    /// `marks`: variables set in every process of the spec, over its own.
    /// `fileEnvironment`: what the `env_file`s hold now (under `env`).
    static func make(
        _ spec: ServiceSpec, environment: CEnvironment, fileLimit: (soft: UInt64, hard: UInt64)? = nil,
        marks: [String: String] = [:], fileEnvironment: [String: String] = [:]
    ) -> Result<PreparedCommand, SpawnFailure> {
        guard let program = spec.cmd.first, !program.isEmpty else { return .failure(SpawnFailure("empty command")) }
        var limits: [ppm_rlimit] = []
        for l in spec.ulimit {
            guard let resource = ResourceLimit.resources[l.name] else { return .failure(SpawnFailure("unknown ulimit '\(l.name)'")) }
            limits.append(ppm_rlimit(resource: resource, soft: l.soft ?? UInt64.max, hard: l.hard ?? UInt64.max))
        }
        if let fileLimit, !spec.ulimit.contains(where: { $0.name == "nofile" }) {
            limits.append(ppm_rlimit(resource: Int32(RLIMIT_NOFILE.rawValue), soft: fileLimit.soft, hard: fileLimit.hard))
        }
        let searchPath = spec.env["PATH"] ?? fileEnvironment["PATH"] ?? environment.values["PATH"]
        let path: String
        switch LinuxSpawner.resolve(program, searchPath: searchPath, dir: spec.dir) {
        case .success(let p): path = p
        case .failure(let f): return .failure(f)
        }
        var ids: Identity?
        var accounts: AccountsStamp?
        if spec.user != nil || spec.group != nil {
            accounts = AccountsStamp.current()
            switch LinuxSpawner.identity(user: spec.user, group: spec.group) {
            case .success(let i): ids = i
            case .failure(let f): return .failure(f)
            }
        }
        return .success(
            PreparedCommand(
                spec, environment: environment, path: path, limits: limits, ids: ids, accounts: accounts,
                marks: marks, fileEnvironment: fileEnvironment))
    }

    private init(
        _ spec: ServiceSpec, environment: CEnvironment, path: String, limits: [ppm_rlimit], ids: Identity?,
        accounts: AccountsStamp?, marks: [String: String], fileEnvironment: [String: String]
    ) {
        self.spec = spec
        self.environment = environment
        self.fileEnvironment = fileEnvironment
        self.path = path
        self.accounts = accounts
        var t = ppm_spawn_spec()
        t.path = UnsafePointer(own(strdup(path)!))
        t.argv = UnsafePointer(own(cStringArray(spec.cmd.map { own(strdup($0)!) })))
        let account = Self.accountVariables(spec.user)
        // daemon < account < env_file < env < marks
        let variables = account.merging(fileEnvironment) { $1 }.merging(spec.env) { $1 }.merging(marks) { $1 }
        t.envp = UnsafePointer(own(cStringArray(mergedEnvironment(variables))))
        t.dir = ownOptional(spec.dir)
        t.stdin_path = ownOptional(spec.stdin)
        t.stdout_path = ownOptional(spec.stdout)
        t.stderr_path = ownOptional(spec.stderr)
        if let ids {
            t.set_ids = 1
            t.uid = ids.uid
            t.gid = ids.gid
            t.groups = UnsafePointer(own(copy(ids.groups)))
            t.ngroups = Int32(ids.groups.count)
        }
        t.rlimits = UnsafePointer(own(copy(limits)))
        t.nrlimits = Int32(limits.count)
        if let nice = spec.nice {
            t.set_nice = 1
            t.nice = Int32(nice)
        }
        t.no_new_privs = spec.noNewPrivs ? 1 : 0
        t.cpus = UnsafePointer(own(copy(spec.cpu.map { Int32($0) })))
        t.ncpus = Int32(spec.cpu.count)
        t.stdin_fd = -1
        t.stdout_fd = -1
        t.stderr_fd = -1
        template = t
    }

    deinit { for p in owned { free(p) } }

    /// Starts the command; pipe ends (-1: none) replace the spec's
    /// stdin/stdout/stderr; with `cgroup`, the child joins it first.
    /// Spawns on different `context`s (`ppm_spawn_on`) may run at once,
    /// from different threads: this reads the command, never changes it.
    func run(
        stdinFD: Int32, output: ChildOutput, pidfd: UnsafeMutablePointer<Int32>?, cgroup: CgroupTarget? = nil, context: Int32 = 0
    ) -> SpawnOutcome {
        var s = template
        s.stdin_fd = stdinFD
        s.stdout_fd = output.stdout
        s.stderr_fd = output.stderr
        s.notify_fd = output.notify
        if case .fd(let n) = spec.ready, output.notify >= 0 { s.notify_target = n } else { s.notify_target = -1 }
        s.pidfd = pidfd
        s.cgroup_fd = cgroup?.directory ?? -1
        var pid: pid_t = 0
        var step: Int32 = 0
        let legacyProcs = cgroup?.legacyProcs ?? []
        let legacyPaths = (cgroup?.legacyPaths ?? []).joined(separator: " or ")
        return (cgroup?.path ?? "").withCString { path in
            if cgroup != nil { s.cgroup_path = path }
            return legacyPaths.withCString { legacyPath in
                legacyProcs.withUnsafeBufferPointer { procs in
                    s.v1_cgroup_procs = procs.baseAddress
                    s.v1_cgroup_count = Int32(procs.count)
                    s.v1_cgroup_path = legacyPath
                    return withUnsafeTemporaryAllocation(of: CChar.self, capacity: 512) { message in
                        message[0] = 0
                        let rc = ppm_spawn_on(context, &s, &pid, &step, message.baseAddress, message.count)
                        if rc == 0 { return .started(pid) }
                        return .failed(SpawnFailure(String(cString: message.baseAddress!)), errno: rc, step: step, pid: pid)
                    }
                }
            }
        }
    }

    /// `HOME`, `USER`, `LOGNAME` and `SHELL` of a service run as `user`, from
    /// the password database (as su and systemd set them): not the daemon's.
    static func accountVariables(_ user: String?) -> [String: String] {
        guard let user, let pw = getpwnam(user) else { return [:] }
        var vars = ["USER": user, "LOGNAME": user]
        if let dir = pw.pointee.pw_dir { vars["HOME"] = String(cString: dir) }
        if let shell = pw.pointee.pw_shell, shell.pointee != 0 { vars["SHELL"] = String(cString: shell) }
        return vars
    }

    /// The spec's variables over the base ones (or alone with `clean_env`),
    /// sorted by name: a merge of two sorted lists. Base entries are shared.
    private func mergedEnvironment(_ own: [String: String]) -> [UnsafeMutablePointer<CChar>] {
        let names = own.keys.sorted()
        let mine = names.map { self.own(strdup("\($0)=\(own[$0]!)")!) }
        if spec.cleanEnv { return mine }
        var merged: [UnsafeMutablePointer<CChar>] = []
        merged.reserveCapacity(environment.names.count + mine.count)
        var i = 0
        var j = 0
        while i < environment.names.count || j < names.count {
            if j == names.count || (i < environment.names.count && environment.names[i] < names[j]) {
                merged.append(environment.strings[i])
                i += 1
            } else {
                if i < environment.names.count && environment.names[i] == names[j] { i += 1 }
                merged.append(mine[j])
                j += 1
            }
        }
        return merged
    }

    private func own<T>(_ p: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
        owned.append(UnsafeMutableRawPointer(p))
        return p
    }

    private func ownOptional(_ s: String?) -> UnsafePointer<CChar>? {
        s.map { UnsafePointer(own(strdup($0)!)) }
    }
}

/// What one spawn attempt gave.
enum SpawnOutcome {
    case started(Int32)
    /// `errno` and `step` (`PPM_STEP_*`) from `ppm_spawn`; `pid` is the
    /// already reaped child (0 when none was made).
    case failed(SpawnFailure, errno: Int32, step: Int32, pid: Int32)
}

/// The cgroup a service's child starts in: its directory, open, and that
/// directory's path for error messages.
struct CgroupTarget {
    var directory: Int32
    var path: String
    /// `cgroup.procs` of the service's cgroups in v1 hierarchies, open for writing.
    var legacyProcs: [Int32] = []
    /// Those cgroups' directories, for an error naming them.
    var legacyPaths: [String] = []

    /// Closes the directory and the v1 `cgroup.procs` files.
    func close() {
        Glibc.close(directory)
        for procs in legacyProcs { Glibc.close(procs) }
    }
}

/// uid, gid and supplementary groups a child switches to.
typealias Identity = (uid: uid_t, gid: gid_t, groups: [gid_t])

/// A malloc'd NULL-terminated array of the pointers.
private func cStringArray(_ strings: [UnsafeMutablePointer<CChar>]) -> UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> {
    let array = malloc((strings.count + 1) * MemoryLayout<UnsafeMutablePointer<CChar>?>.stride)!
        .bindMemory(to: UnsafeMutablePointer<CChar>?.self, capacity: strings.count + 1)
    for (i, s) in strings.enumerated() { array[i] = s }
    array[strings.count] = nil
    return array
}

/// A malloc'd copy of the elements (at least one byte, so never NULL).
private func copy<T>(_ elements: [T]) -> UnsafeMutablePointer<T> {
    let p = malloc(max(1, elements.count * MemoryLayout<T>.stride))!.bindMemory(to: T.self, capacity: max(1, elements.count))
    for (i, e) in elements.enumerated() { p[i] = e }
    return p
}
