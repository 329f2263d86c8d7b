import Glibc
package import PPMMachine

/// The services' share of the daemon's open-files limit: a service is
/// started only while `reserve` descriptors stay free for the daemon itself
/// (control clients, state and journal rewrites, /proc reads, probes,
/// helpers, the spawns under way), so that a table filled by services never
/// leaves the daemon unable to answer or write.
///
/// Each service is charged once, at its first start, for what it keeps
/// open: a pidfd, a pipe read end and a log file per captured stream, a
/// notification pipe. A restart reuses them and costs nothing here, so the
/// restart path does no counting. Free descriptors are counted exactly
/// (/proc/self/fd) only when the running estimate says no, and at most once
/// per loop turn: a boot of 10,000 services counts once or twice, and
/// services refused in the same turn are refused without counting again.
///
/// Confined to the loop, like the supervisor.
package final class DescriptorGate {
    /// Descriptors always kept free for the daemon (see `reserve(limit:)`).
    package private(set) var reserve: Int
    /// The open-files limit at the last count.
    package private(set) var limit: Int
    /// Descriptors promised but not open yet (the log files of captured
    /// streams that have not written), counted as open.
    package var promised: () -> Int = { 0 }
    /// Told once per episode when a start is refused for want of
    /// descriptors (by this gate or by the kernel), with the service and the failure.
    package var onExhausted: ((_ name: String, SpawnFailure) -> Void)?

    private let countOpen: () -> Int?
    private let readLimit: () -> Int
    /// Free descriptors at the last count less what was charged since; nil: not counted yet.
    private var free: Int?
    private var countedThisTurn = false
    private var exhausted = false
    private var charged: [String: Int] = [:]

    /// A gate over this process's descriptor table; `countOpen` and
    /// `readLimit` are for tests (nil from `countOpen`: it could not count,
    /// the table is full).
    package init(
        countOpen: @escaping () -> Int? = DescriptorGate.openDescriptors,
        readLimit: @escaping () -> Int = DescriptorGate.openFilesLimit
    ) {
        self.countOpen = countOpen
        self.readLimit = readLimit
        limit = readLimit()
        reserve = Self.reserve(limit: limit)
    }

    /// Descriptors kept free: 128, or a sixteenth of a small limit (at least 16).
    package static func reserve(limit: Int) -> Int { min(128, max(16, limit / 16)) }

    /// Admits the start of `name`, which keeps `cost` descriptors open once
    /// started for the first time (nothing is charged again for a service
    /// already charged); the failure to report when the reserve would be
    /// touched.
    package func admit(_ name: String, cost: Int) -> SpawnFailure? {
        if charged[name] != nil { return nil }
        if let free, free - cost >= reserve {
            return charge(name, cost)
        }
        if !countedThisTurn {
            countedThisTurn = true
            limit = readLimit()
            reserve = Self.reserve(limit: limit)
            free = countOpen().map { limit - $0 - promised() } ?? 0
            if free! - cost >= reserve {
                exhausted = false
                return charge(name, cost)
            }
        }
        let failure = Self.exhausted(EMFILE, limit: limit, reserve: reserve)
        refused(name, failure)
        return failure
    }

    /// The start of `name` failed for want of descriptors after all (the
    /// kernel said so): what it was charged is given back, and the episode reported.
    package func failed(_ name: String, _ failure: SpawnFailure) {
        guard failure.outOfDescriptors else { return }
        if let cost = charged.removeValue(forKey: name), free != nil { free! += cost }
        refused(name, failure)
    }

    /// `name` is gone (removed): what it kept is closed, and given back.
    package func forget(_ name: String) {
        if let cost = charged.removeValue(forKey: name), free != nil { free! += cost }
    }

    /// The loop's turn ended: the next refusal may count again.
    package func turnEnded() { countedThisTurn = false }

    private func charge(_ name: String, _ cost: Int) -> SpawnFailure? {
        free! -= cost
        charged[name] = cost
        return nil
    }

    private func refused(_ name: String, _ failure: SpawnFailure) {
        guard !exhausted else { return }
        exhausted = true
        onExhausted?(name, failure)
    }

    // MARK: The descriptor table

    /// Whether `code` says the descriptor table (the process's or the system's) is full.
    package static func isExhaustion(_ code: Int32) -> Bool { code == EMFILE || code == ENFILE }

    /// The failure of a start that found no descriptor: names the limit and
    /// what to raise. `reserve` > 0: refused by the gate, before the kernel.
    package static func exhausted(_ code: Int32, limit: Int = openFilesLimit(), reserve: Int = 0) -> SpawnFailure {
        if code == ENFILE {
            return SpawnFailure(
                "no file descriptor left to start it: the system's open-files table is full "
                    + "(fs.file-max); raise fs.file-max or end other processes, then start it again", outOfDescriptors: true)
        }
        let kept = reserve > 0 ? ", \(reserve) of them kept free for the daemon itself" : ""
        let nrOpen = Self.nrOpen()
        let raise =
            nrOpen.map { limit >= $0 } == true
            ? "raise fs.nr_open (sysctl) and the daemon's LimitNOFILE= (systemd) or ulimit -n"
            : "raise it with LimitNOFILE= in the daemon's systemd unit or ulimit -n before ppm-lua daemon"
        return SpawnFailure(
            "no file descriptor left to start it: the daemon's open-files limit (\(limit)\(kept)) is reached; "
                + "\(raise), then start it again", outOfDescriptors: true)
    }

    /// The soft open-files limit (RLIMIT_NOFILE).
    package static func openFilesLimit() -> Int {
        var l = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &l) == 0 else { return 1024 }
        return Int(min(UInt64(l.rlim_cur), UInt64(Int32.max)))
    }

    /// Descriptors open now: the entries of /proc/self/fd; nil when even
    /// that directory cannot be opened (the table is full), 0 when there is no /proc.
    package static func openDescriptors() -> Int? {
        guard let dir = opendir("/proc/self/fd") else { return isExhaustion(errno) ? nil : 0 }
        defer { closedir(dir) }
        var count = -1  // the directory's own descriptor
        while let entry = readdir(dir) {
            if entry.pointee.d_name.0 != UInt8(ascii: ".") { count += 1 }
        }
        return max(0, count)
    }

    private static func nrOpen() -> Int? {
        KernelFile.text("/proc/sys/fs/nr_open").flatMap { Int($0.split(separator: "\n").first ?? "") }
    }
}
