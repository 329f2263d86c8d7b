import Glibc
package import PPMMachine

/// Sets SPEC 10's limits on services' cgroups and reads what they use of
/// them: v2 files in the service's unified cgroup (`ServiceCgroups`) for
/// the controllers enabled there, else a cgroup of the same name in each
/// v1 hierarchy the limits need, which the child joins before it execs
/// (`prepare`) and which goes with the v2 one (`remove`, `removeAll`,
/// `sweep`). Reports once per limit that nothing can enforce
/// (`unavailable`), and whether an exit was the kernel's OOM killer's doing
/// (`outOfMemory`). Confined to the spawner's thread.
package final class ServiceLimits {
    /// Where each limit goes: found at the first need (a service with limits,
    /// or `discover()`), so that a daemon whose services set none enables no
    /// controller anywhere.
    package var controllers: LimitControllers {
        if let found { return found }
        let made = finder()
        found = made
        return made
    }
    private var found: LimitControllers?
    private let finder: () -> LimitControllers
    /// Every v1 subtree this home's services may have cgroups in (for sweeps
    /// of what a killed daemon left, before any discovery).
    private let legacyCandidates: [String]
    /// The services' v2 cgroups (nil: services have none, and no limit works).
    private let cgroups: ServiceCgroups?
    /// `oom_kill` of each service's memory cgroup when it was last started.
    private var oomKillsAtStart: [String: UInt64] = [:]
    /// Services whose cgroups got limits from this daemon (unset again when the spec drops them).
    private var limited: Set<String> = []
    /// Limits already reported as unavailable.
    private var reported: Set<String> = []

    /// Limits for the services' cgroups under `cgroups` (`hash`: of the home).
    package init(cgroups: ServiceCgroups, hash: String) {
        self.cgroups = cgroups
        finder = { LimitControllers.discover(unifiedRoot: cgroups.root, hash: hash) }
        legacyCandidates = LimitControllers.legacyCandidates(hash: hash)
    }

    /// Finds the controllers now (a config with limits, at start), once.
    @discardableResult
    package func discover() -> LimitControllers { controllers }

    /// Whether the controllers were looked for (and enabled) already.
    package var discovered: LimitControllers? { found }

    /// No limits: services run without cgroups, for `why`.
    package init(withoutCgroups why: String) {
        var none = LimitControllers()
        for controller in ["memory", "pids", "cpu", "io"] { none.missing[controller] = "services run without cgroups (\(why))" }
        found = none
        finder = { none }
        legacyCandidates = []
        cgroups = nil
    }

    /// The service's v2 cgroup.
    private func unifiedDirectory(_ name: String) -> String { cgroups?.directory(for: name) ?? "/nonexistent" }

    /// The limits `spec` asks for that no controller here enforces, with why;
    /// each limit once in the daemon's life (nil: nothing new to report).
    package func unavailable(_ spec: ServiceSpec) -> (fields: [String], reason: String)? {
        let missing = spec.limits.fieldNames.filter { name in
            let controller = LimitControllers.needed([name]).first ?? "io"
            return controllers.place(controller) == nil && !reported.contains(name)
        }
        guard !missing.isEmpty else { return nil }
        reported.formUnion(missing)
        let reasons = LimitControllers.needed(missing).sorted().compactMap { controllers.missing[$0] }
        return (missing, reasons.joined(separator: "; "))
    }

    // MARK: Starting

    /// Before a start (the v2 cgroup made): writes every limit the spec
    /// sets (and resets those it dropped), makes its v1 cgroups and opens
    /// their `cgroup.procs` for the child to join. The caller closes the
    /// descriptors. A limit the kernel refuses fails the start, named.
    func prepare(_ spec: ServiceSpec) -> Result<(procs: [Int32], paths: [String]), SpawnFailure> {
        let name = spec.name
        if spec.limits.isEmpty && !limited.contains(name) {
            oomKillsAtStart[name] = oomKills(name)
            return .success(([], []))
        }
        if spec.limits.isEmpty { limited.remove(name) } else { limited.insert(name) }
        var joined: [String] = []
        for (controller, writes) in LimitFiles.writes(spec.limits, ioFile: controllers.ioFile) {
            let dir: String
            switch controllers.place(controller) {
            case nil: continue
            case .unified?: dir = unifiedDirectory(name)
            case .legacy(let root)?:
                // A v1 cgroup is joined only for limits that are set.
                guard spec.limits.fieldNames.contains(where: { LimitControllers.needed([$0]).contains(controller) }) else { continue }
                dir = root + "/" + ServiceCgroups.directoryName(for: name)
                if mkdir(root, 0o755) != 0 && errno != EEXIST || mkdir(dir, 0o755) != 0 && errno != EEXIST {
                    return .failure(SpawnFailure("\(dir): \(String(cString: strerror(errno)))"))
                }
                if !joined.contains(dir) { joined.append(dir) }
            }
            for (file, value) in writes {
                let code = KernelFile.write(dir + "/" + file, value)
                if code != 0 && code != ENOENT {
                    return .failure(SpawnFailure("cannot set \(file) = \(value) in \(dir): \(String(cString: strerror(code)))"))
                }
            }
        }
        oomKillsAtStart[name] = oomKills(name)
        var procs: [Int32] = []
        for dir in joined {
            let fd = open(dir + "/cgroup.procs", O_WRONLY | O_CLOEXEC)
            if fd < 0 {
                let failure = SpawnFailure("\(dir)/cgroup.procs: \(String(cString: strerror(errno)))")
                for fd in procs { close(fd) }
                return .failure(failure)
            }
            procs.append(fd)
        }
        return .success((procs, joined))
    }

    // MARK: Reading

    /// The memory cgroup of a service: its v2 cgroup or its v1 one.
    private func memoryDirectory(_ name: String) -> (dir: String, unified: Bool)? {
        switch controllers.memory {
        case .unified?: (unifiedDirectory(name), true)
        case .legacy(let root)?: (root + "/" + ServiceCgroups.directoryName(for: name), false)
        case nil: nil
        }
    }

    /// How many processes the kernel's OOM killer ended in the service's
    /// memory cgroup (`memory.events` or v1 `memory.oom_control`: `oom_kill`).
    private func oomKills(_ name: String) -> UInt64 {
        guard found != nil, let (dir, unified) = memoryDirectory(name) else { return 0 }
        return KernelFile.value(dir + (unified ? "/memory.events" : "/memory.oom_control"), key: "oom_kill") ?? 0
    }

    /// After the service's process exited: whether the OOM killer ended a
    /// process of it during the run (its memory cgroup's `oom_kill` grew).
    package func outOfMemory(_ name: String) -> Bool {
        let now = oomKills(name)
        // A run this daemon did not start (adopted) has no count to compare with.
        guard let before = oomKillsAtStart.updateValue(now, forKey: name) else { return false }
        return now > before || (now < before && now > 0)
    }

    /// What the service uses of its limits now: `memory_current`,
    /// `pids_current` (where a cgroup counts them) and `oom_kills`.
    package func usage(_ name: String) -> [String: JSONValue] {
        var o: [String: JSONValue] = [:]
        if let (dir, unified) = memoryDirectory(name) {
            let file = unified ? "/memory.current" : "/memory.usage_in_bytes"
            if let bytes = KernelFile.bytes(dir + file), let n = UInt64(String(decoding: bytes, as: UTF8.self).filter(\.isNumber)) {
                o["memory_current"] = .int(Int64(clamping: n))
            }
            o["oom_kills"] = .int(Int64(clamping: oomKills(name)))
        }
        let pidsDir: String? =
            switch controllers.pids {
            case .unified?: unifiedDirectory(name)
            case .legacy(let root)?: root + "/" + ServiceCgroups.directoryName(for: name)
            case nil: nil
            }
        if let pidsDir, let bytes = KernelFile.bytes(pidsDir + "/pids.current"),
            let n = Int64(String(decoding: bytes, as: UTF8.self).filter(\.isNumber))
        {
            o["pids_current"] = .int(n)
        }
        return o
    }

    // MARK: Removal

    /// Removes the service's v1 cgroups (a removed service; its processes are
    /// gone with its v2 cgroup's).
    func remove(_ name: String) {
        for root in found?.legacyRoots ?? [] { rmdir(root + "/" + ServiceCgroups.directoryName(for: name)) }
        limited.remove(name)
        oomKillsAtStart[name] = nil
    }

    /// At quit or start: removes the v1 cgroups but those of `keeping`
    /// (running services), and the v1 subtrees when they are empty.
    package func removeAll(keeping names: Set<String> = []) {
        let kept = Set(names.map(ServiceCgroups.directoryName))
        for root in legacyCandidates where access(root, F_OK) == 0 {
            for dir in ServiceCgroups.subdirectories(of: root) where !kept.contains(dir) {
                ServiceCgroups.signal(root + "/" + dir, SIGKILL)
                rmdir(root + "/" + dir)
            }
            if kept.isEmpty { rmdir(root) }
        }
    }
}
