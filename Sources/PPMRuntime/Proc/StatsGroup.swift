import Glibc
import Synchronization

/// What `stats` measures for one service: its process group, or its
/// cgroup where it has one (every process it started, also those that left
/// the group; CPU from the cgroup's `cpu.stat`, which also counts processes
/// that ended between the two samples).
package struct StatsGroup: Sendable, Hashable {
    /// The process group (the service's main pid); results are keyed by it.
    package var pgid: Int32
    /// The cgroup directory, or nil for the process group alone.
    package var cgroup: String?

    /// A group measured by its process group, or by its cgroup.
    package init(pgid: Int32, cgroup: String? = nil) {
        self.pgid = pgid
        self.cgroup = cgroup
    }
}
