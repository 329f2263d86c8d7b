import Glibc
package import PPMMachine
import Synchronization

/// CPU and memory of one process group.
package struct GroupUsage: Sendable, Equatable {
    /// CPU percent over the sampling interval, to 0.1 (100 = one core busy).
    package var cpu: Double
    /// Resident memory of all its processes, in bytes.
    package var rss: Int64
    /// Its processes, ascending.
    package var pids: [Int32]

    /// A usage with these figures.
    package init(cpu: Double, rss: Int64, pids: [Int32]) {
        self.cpu = cpu
        self.rss = rss
        self.pids = pids
    }

    /// No process: all zero.
    package static let none = GroupUsage(cpu: 0, rss: 0, pids: [])

    /// `{cpu, rss, pids}`, as `ppm.stats` and the `stats` rows show it.
    package var json: JSONValue {
        .object(["cpu": .double(cpu), "rss": .int(rss), "pids": .array(pids.map { .int(Int64($0)) })])
    }
}
