import CSystem
import Glibc
import PPMMachine
import SystemCalls

/// One cgroup v2 per service, so that `stop` reaches every process a
/// service started, also those that left its process group (`setsid`, a
/// double fork), and `stats` counts them.
///
/// Layout: `<own>/ppm-lua-<hash of home>/<name>.service`, where `<own>` is
/// the daemon's own cgroup (`CgroupHierarchy`). The hash keeps daemons of
/// different homes apart; the `.service` suffix keeps a name from meeting
/// the kernel's interface files (`cgroup.procs`), and bytes other than
/// letters, digits, `_`, `-` and `.` are written `%XX`. No controller is
/// enabled anywhere: only the core files are used (`cgroup.procs`,
/// `cgroup.kill`, `cgroup.events`, `cpu.stat`), so the daemon may stay in
/// its own cgroup next to the subtree (the "no internal processes" rule only
/// binds cgroups that hand controllers to their children).
///
/// A service's cgroup is made at its first start and removed when the
/// service is removed or the daemon quits. Only the root path is stored:
/// every call works on the files, so a value is `Sendable` and a daemon that
/// re-executes or follows a killed one takes the same cgroups back.
package struct ServiceCgroups: Sendable, Equatable {
    /// The subtree holding one cgroup per service.
    package let root: String

    /// Services' cgroups under `root` (which must exist).
    package init(root: String) { self.root = root }

    /// Makes (or takes back) the subtree for `home` under the daemon's own
    /// cgroup; or says why services must do with process groups.
    package static func make(home: String) -> Result<ServiceCgroups, CgroupUnavailable> {
        let own: String
        switch CgroupHierarchy.ownDirectory() {
        case .success(let dir): own = dir
        case .failure(let why): return .failure(why)
        }
        // Moving a child out of our cgroup needs write access to our own cgroup.procs too.
        guard access(own, W_OK) == 0, access(own + "/cgroup.procs", W_OK) == 0 else {
            return .failure(CgroupUnavailable("the daemon's cgroup \(own) is not writable by uid \(getuid()) (not delegated)"))
        }
        let root = own + "/ppm-lua-" + hash(home)
        if mkdir(root, 0o755) != 0 && errno != EEXIST {
            return .failure(CgroupUnavailable("cannot create \(root): \(String(cString: strerror(errno)))"))
        }
        guard access(root + "/cgroup.procs", F_OK) == 0 else {
            return .failure(CgroupUnavailable("\(root) is not a cgroup"))
        }
        return .success(ServiceCgroups(root: root))
    }

    // MARK: Paths

    /// The cgroup of service `name` (made or not).
    package func directory(for name: String) -> String {
        let leaf = Self.directoryName(for: name)
        var path = ""
        path.reserveCapacity(root.utf8.count + 1 + leaf.utf8.count)
        path += root
        path += "/"
        path += leaf
        return path
    }

    private static func isPlain(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
            true
        default: false
        }
    }

    /// `web.service`; other bytes than `[A-Za-z0-9_.-]` as `%XX`; a very long
    /// name is cut and ends with a hash of the whole name.
    static func directoryName(for name: String) -> String {
        // The common case, a plain short name, without a byte array (`ls` asks for each service's).
        if name.utf8.count <= 200 && name.utf8.allSatisfy(isPlain) { return name + ".service" }
        var out: [UInt8] = []
        out.reserveCapacity(name.utf8.count + 8)
        let hexDigits = Array("0123456789ABCDEF".utf8)
        for b in name.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
                out.append(b)
            default:
                out += [UInt8(ascii: "%"), hexDigits[Int(b >> 4)], hexDigits[Int(b & 15)]]
            }
        }
        if out.count > 200 { out = Array(out.prefix(180)) + Array("~\(hash(name))".utf8) }
        return String(decoding: out, as: UTF8.self) + ".service"
    }

    /// 16 hex digits of FNV-1a over the text's bytes (names the cgroups
    /// of a home, and the daemon's hold on the home).
    package static func hash(_ text: String) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let digits = String(h, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    // MARK: Processes

    /// Opens the service's cgroup directory for a child to start in, making
    /// the cgroup first when it does not exist (first start, or removed from
    /// outside). The caller closes the descriptor.
    func openDirectory(_ name: String) -> Result<Int32, SpawnFailure> {
        let dir = directory(for: name)
        var fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 && errno == ENOENT {
            if mkdir(dir, 0o755) != 0 && errno != EEXIST {
                return .failure(SpawnFailure("\(dir): \(String(cString: strerror(errno)))"))
            }
            fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        }
        if fd < 0 {
            let code = errno
            if DescriptorGate.isExhaustion(code) { return .failure(DescriptorGate.exhausted(code)) }
            return .failure(SpawnFailure("\(dir): \(String(cString: strerror(code)))"))
        }
        return .success(fd)
    }

    /// The processes in the service's cgroup (none when it does not exist).
    package func pids(_ name: String) -> [Int32] { Self.pids(in: directory(for: name)) }

    /// The processes in a cgroup directory (a relative `dir` is taken from
    /// the directory `base` is open on).
    package static func pids(in dir: String, under base: Int32 = AT_FDCWD) -> [Int32] {
        KernelFile.numbers(dir + "/cgroup.procs", under: base)
    }

    /// Whether any process is left in the service's cgroup or below.
    package func populated(_ name: String) -> Bool { Self.populated(directory(for: name)) }

    static func populated(_ dir: String) -> Bool { KernelFile.value(dir + "/cgroup.events", key: "populated") == 1 }

    /// CPU time used by every process that ever ran in the cgroup, in µs
    /// (`cpu.stat` `usage_usec`); nil if it cannot be read.
    package static func cpuMicroseconds(in dir: String, under base: Int32 = AT_FDCWD) -> UInt64? {
        KernelFile.value(dir + "/cpu.stat", key: "usage_usec", under: base)
    }

    /// Sends `signal` to every process in the service's cgroup; SIGKILL
    /// again, up to ten rounds, until none is left (a process forking meanwhile).
    ///
    /// Not through `cgroup.kill`: once a cgroup has been killed that way,
    /// Linux (6.18 here) kills every child later created in it with
    /// `CLONE_INTO_CGROUP` at once, so the service could never start again.
    package func signal(_ name: String, _ signal: Int32) { Self.signal(directory(for: name), signal) }

    /// Makes the service's cgroup anew when it exists and is empty: one a
    /// `cgroup.kill` reached (another program, or an earlier daemon) would
    /// kill every child started in it (see `signal`). One that does not
    /// exist is made here (one path lookup: at a boot, the usual case).
    package func renew(_ name: String) {
        let dir = directory(for: name)
        if mkdir(dir, 0o755) == 0 { return }
        if errno == EEXIST && !populated(name) { rmdir(dir) }
    }

    static func signal(_ dir: String, _ signal: Int32) {
        var rounds = signal == SIGKILL ? 10 : 1
        var sent = Set<Int32>()
        while rounds > 0 {
            rounds -= 1
            let members = pids(in: dir).filter { !sent.contains($0) }
            if members.isEmpty { return }
            for pid in members { kill(pid, signal) }
            sent.formUnion(members)
        }
    }

    // MARK: Removal

    /// Removes the service's cgroup (a removed service). Processes still in
    /// it are killed; the empty cgroup then goes at the next `removeAll`.
    package func remove(_ name: String) {
        let dir = directory(for: name)
        if rmdir(dir) != 0 && errno == EBUSY { Self.signal(dir, SIGKILL) }
    }

    /// At quit: kills what is left in the services' cgroups (leftovers of
    /// exits still within their stop timeout), waits up to `grace` seconds
    /// for them to be empty and removes them and the subtree.
    /// Returns the names of the cgroup directories that still held processes.
    @discardableResult
    package func removeAll(grace: Double = 2) -> [String] {
        let busy = end(Self.subdirectories(of: root), grace: grace)
        rmdir(root)
        return busy
    }

    /// Removes the subtree if no service's cgroup is in it (a daemon that
    /// could not start).
    package func removeIfEmpty() { rmdir(root) }

    /// At daemon start: ends the processes of every service's cgroup but
    /// those in `keeping` (adopted services), and removes those cgroups.
    /// Returns the names of the cgroup directories that still held processes.
    @discardableResult
    package func sweep(keeping names: Set<String>, grace: Double = 2) -> [String] {
        let kept = Set(names.map(Self.directoryName))
        return end(Self.subdirectories(of: root).filter { !kept.contains($0) }, grace: grace)
    }

    /// SIGKILL to each populated directory, a wait until they are empty,
    /// then rmdir each. Zombies do not count as members: nothing is reaped
    /// here (after a re-exec the kept services are our children).
    private func end(_ names: [String], grace: Double) -> [String] {
        let busy = names.filter { Self.populated(root + "/" + $0) }
        for name in busy { Self.signal(root + "/" + name, SIGKILL) }
        let deadline = SystemClock.monotonic() + grace
        while busy.contains(where: { Self.populated(root + "/" + $0) }) && SystemClock.monotonic() < deadline {
            usleep(5_000)
        }
        for name in names { rmdir(root + "/" + name) }
        return busy
    }

    /// The names of the cgroups directly under `dir`.
    static func subdirectories(of dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        let nameOffset = MemoryLayout<dirent>.offset(of: \dirent.d_name)!
        while let entry = readdir(d) {
            guard entry.pointee.d_type == UInt8(DT_DIR) else { continue }
            let name = String(cString: UnsafeRawPointer(entry).advanced(by: nameOffset).assumingMemoryBound(to: CChar.self))
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }
}
