import Glibc
import Synchronization

/// CPU and memory of one process group.
public struct GroupUsage: Sendable, Equatable {
    /// CPU percent over the sampling interval, to 0.1 (100 = one core busy).
    public var cpu: Double
    /// Resident memory of all its processes, in bytes.
    public var rss: Int64
    /// Its processes, ascending.
    public var pids: [Int32]

    /// A usage with these figures.
    public init(cpu: Double, rss: Int64, pids: [Int32]) {
        self.cpu = cpu
        self.rss = rss
        self.pids = pids
    }

    /// No process: all zero.
    public static let none = GroupUsage(cpu: 0, rss: 0, pids: [])

    /// `{cpu, rss, pids}`, as `ppm.stats` and the `stats` rows show it.
    public var json: JSONValue {
        .object(["cpu": .double(cpu), "rss": .int(rss), "pids": .array(pids.map { .int(Int64($0)) })])
    }
}

/// Measures process groups from two reads of /proc: CPU % is the ticks
/// used between the previous sample and now (by processes present in both)
/// over the time between them, not an average since the process started.
///
/// When the previous sample is missing or older than `maximumAge`, a fresh
/// one is taken first; a sample younger than `minimumInterval` is waited
/// out. So a call may block for up to `minimumInterval` (100 ms): call it
/// off the daemon's loop. Safe from any thread; concurrent calls take turns.
public final class StatsSampler: Sendable {
    /// The sampler the daemon shares between requests.
    public static let shared = StatsSampler()

    private struct Sample {
        var time: Double
        var table: ProcessTable
    }

    private let minimumInterval: Double
    private let maximumAge: Double
    private let previous = Mutex<Sample?>(nil)

    /// A sampler measuring over at least `minimumInterval` seconds, reusing
    /// a previous sample up to `maximumAge` seconds old.
    public init(minimumInterval: Double = 0.1, maximumAge: Double = 60) {
        self.minimumInterval = minimumInterval
        self.maximumAge = maximumAge
    }

    /// The usage of each of `groups` (process group ids), from one pass over
    /// /proc (two when there is no recent sample). Every group asked for is
    /// in the answer; a group without processes is `GroupUsage.none`.
    public func usage(groups: [Int32]) -> [Int32: GroupUsage] {
        previous.withLock { previous in
            var before = previous ?? Self.sample()
            if Self.now() - before.time > maximumAge { before = Self.sample() }
            let wait = before.time + minimumInterval - Self.now()
            if wait > 0 { usleep(useconds_t(wait * 1_000_000)) }
            let after = Self.sample()
            previous = after
            return Self.usage(groups: groups, before: before.table, after: after.table, seconds: after.time - before.time)
        }
    }

    /// CPU % from the ticks each process used between two tables.
    static func usage(groups: [Int32], before: ProcessTable, after: ProcessTable, seconds: Double) -> [Int32: GroupUsage] {
        let members = after.members(of: Set(groups))
        let wanted = Set(members.values.joined().map(\.pid))
        var earlier: [Int32: ProcessEntry] = [:]
        for entry in before.entries where wanted.contains(entry.pid) { earlier[entry.pid] = entry }
        var result: [Int32: GroupUsage] = [:]
        for group in groups {
            guard let processes = members[group] else {
                result[group] = GroupUsage.none
                continue
            }
            var ticks: UInt64 = 0
            for p in processes {
                if let e = earlier[p.pid], e.start == p.start, p.ticks >= e.ticks { ticks += p.ticks - e.ticks }
            }
            let percent = seconds > 0 ? Double(ticks) / ProcessTable.ticksPerSecond / seconds * 100 : 0
            result[group] = GroupUsage(
                cpu: (percent * 10).rounded() / 10,
                rss: processes.reduce(0) { $0 + $1.rssPages } * ProcessTable.pageSize,
                pids: processes.map(\.pid))
        }
        return result
    }

    private static func sample() -> Sample {
        let time = now()
        return Sample(time: time, table: ProcessTable.read())
    }

    /// Seconds on the monotonic clock.
    private static func now() -> Double { SystemClock.monotonic() }
}
