package import Glibc

/// Whether a process that carries a service's marks in its environment
/// (`PPM_LUA_HOME`, `PPM_LUA_SERVICE`) may be taken for that service. The
/// marks are only text any local user can set: a process is trusted when it
/// runs as the service's user and, where services have cgroups, sits in the
/// service's own cgroup, which only the daemon's user can move it into.
package struct AdoptionCheck {
    /// The uid each service runs as; services not listed run as the daemon.
    package var owners: [String: uid_t]
    /// The services' cgroups, when they have them.
    package var cgroups: ServiceCgroups?
    /// Names whose processes never have a cgroup (`ppm.spawn` helpers).
    package var withoutCgroup: Set<String>

    /// A check against these owners and cgroups.
    package init(owners: [String: uid_t], cgroups: ServiceCgroups?, withoutCgroup: Set<String> = []) {
        self.owners = owners
        self.cgroups = cgroups
        self.withoutCgroup = withoutCgroup
    }

    /// Whether `pid`, marked as `name`, is one of the daemon's own.
    package func trusts(_ pid: Int32, as name: String) -> Bool {
        guard let uid = Self.uid(of: pid), uid == owners[name] ?? geteuid() else { return false }
        guard let cgroups, !withoutCgroup.contains(name) else { return true }
        guard let relative = Self.cgroupPath(of: pid), relative.count > 1 else { return false }
        return cgroups.directory(for: name).hasSuffix(relative)
    }

    /// The real uid of a process (/proc/PID/status `Uid:`), nil if it is gone.
    package static func uid(of pid: Int32) -> uid_t? {
        guard let status = KernelFile.text("/proc/\(pid)/status") else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("Uid:") {
            return line.dropFirst(4).split(whereSeparator: { $0 == "\t" || $0 == " " }).first.flatMap { uid_t($0) }
        }
        return nil
    }

    /// A process's cgroup v2 path (/proc/PID/cgroup `0::PATH`), relative to the hierarchy.
    static func cgroupPath(of pid: Int32) -> String? {
        guard let text = KernelFile.text("/proc/\(pid)/cgroup") else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix("0::") }.map { String($0.dropFirst(3)) }
    }
}
