// LinuxSpawner as it was at commit a5fceb2 (everything rebuilt per spawn, fork in C),
// renamed, for the micro-benchmark only.
import CSystem
import OldSpawn
import PPMMachine
import PPMRuntime
import Foundation

/// Starts services as real processes through the C spawner (fork/exec in C,
/// own session, empty signal mask, default handlers).
final class OldLinuxSpawner {
    /// The environment services inherit (unless `clean_env`).
    public var baseEnvironment: [String: String]

    public init(baseEnvironment: [String: String] = ProcessInfo.processInfo.environment) {
        self.baseEnvironment = baseEnvironment
    }

    public func spawn(_ spec: ServiceSpec) -> Result<Int32, SpawnFailure> {
        spawn(spec, stdinFD: -1, stdoutFD: -1)
    }

    /// Spawns with pipe ends as stdin/stdout (-1: use the spec's paths).
    public func spawn(_ spec: ServiceSpec, stdinFD: Int32, stdoutFD: Int32) -> Result<Int32, SpawnFailure> {
        guard let program = spec.cmd.first, !program.isEmpty else { return .failure(SpawnFailure("empty command")) }
        var env = spec.cleanEnv ? [:] : baseEnvironment
        env.merge(spec.env) { $1 }
        let path: String
        switch Self.resolve(program, searchPath: env["PATH"] ?? baseEnvironment["PATH"], dir: spec.dir) {
        case .success(let p): path = p
        case .failure(let f): return .failure(f)
        }
        var ids: (uid: uid_t, gid: gid_t, groups: [gid_t])?
        if spec.user != nil || spec.group != nil {
            switch Self.identity(user: spec.user, group: spec.group) {
            case .success(let i): ids = i
            case .failure(let f): return .failure(f)
            }
        }
        var limits: [ppm_rlimit] = []
        for l in spec.ulimit {
            guard let resource = ResourceLimit.resources[l.name] else { return .failure(SpawnFailure("unknown ulimit '\(l.name)'")) }
            limits.append(ppm_rlimit(resource: resource, soft: l.soft ?? UInt64.max, hard: l.hard ?? UInt64.max))
        }
        let argv = spec.cmd
        let envp = env.map { "\($0.key)=\($0.value)" }.sorted()
        let groups = ids?.groups ?? []
        let cpus = spec.cpu.map { Int32($0) }

        return withCStrings(argv) { argvPtr in
            withCStrings(envp) { envPtr in
                path.withCString { pathPtr in
                    withOptionalCString(spec.dir) { dirPtr in
                        withOptionalCString(spec.stdin) { inPtr in
                            withOptionalCString(spec.stdout) { outPtr in
                                withOptionalCString(spec.stderr) { errPtr in
                                    groups.withUnsafeBufferPointer { groupsPtr in
                                        limits.withUnsafeBufferPointer { limitsPtr in
                                            cpus.withUnsafeBufferPointer { cpuPtr in
                                                var s = ppm_spawn_spec()
                                                s.path = pathPtr
                                                s.argv = argvPtr
                                                s.envp = envPtr
                                                s.dir = dirPtr
                                                s.stdin_path = inPtr
                                                s.stdout_path = outPtr
                                                s.stderr_path = errPtr
                                                if let ids {
                                                    s.set_ids = 1
                                                    s.uid = ids.uid
                                                    s.gid = ids.gid
                                                    s.groups = groupsPtr.baseAddress
                                                    s.ngroups = Int32(groups.count)
                                                }
                                                s.rlimits = limitsPtr.baseAddress
                                                s.nrlimits = Int32(limits.count)
                                                if let nice = spec.nice {
                                                    s.set_nice = 1
                                                    s.nice = Int32(nice)
                                                }
                                                s.cpus = cpuPtr.baseAddress
                                                s.ncpus = Int32(cpus.count)
                                                s.stdin_fd = stdinFD
                                                s.stdout_fd = stdoutFD
                                                var pid: pid_t = 0
                                                var message = [CChar](repeating: 0, count: 512)
                                                let rc = old_ppm_spawn(&s, &pid, &message, message.count)
                                                if rc == 0 { return .success(pid) }
                                                // The failed child exits 127 at once; the reaper collects it.
                                                let text = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
                                                return .failure(SpawnFailure(String(decoding: text, as: UTF8.self)))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    public func signalGroup(_ pgid: Int32, _ signal: Int32) {
        guard pgid > 0 else { return }
        kill(-pgid, signal)
    }

    public func groupAlive(_ pgid: Int32) -> Bool { ppm_group_alive(pgid) != 0 }

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
    static func identity(user: String?, group: String?) -> Result<(uid: uid_t, gid: gid_t, groups: [gid_t]), SpawnFailure> {
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
            if let gr = getgrnam(group) { gid = gr.pointee.gr_gid }
            else if let n = gid_t(group) { gid = n }
            else { return .failure(SpawnFailure("unknown group '\(group)'")) }
            if !groups.contains(gid) { groups.insert(gid, at: 0) }
        }
        if groups.isEmpty { groups = [gid] }
        return .success((uid, gid, groups))
    }
}

private func withOptionalCString<R>(_ s: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let s else { return body(nil) }
    return s.withCString { body($0) }
}

private func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for p in pointers { free(p) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
