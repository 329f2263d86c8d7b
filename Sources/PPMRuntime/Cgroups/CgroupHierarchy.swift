import Glibc

/// Where this process sits in the cgroup v2 ("unified") hierarchy: the
/// cgroup2 mount from /proc/self/mountinfo (`/sys/fs/cgroup` on pure v2
/// systems, `/sys/fs/cgroup/unified` in hybrid mode) and our own cgroup from
/// the `0::` line of /proc/self/cgroup, joined into one directory.
package enum CgroupHierarchy {
    /// The directory of this process's own cgroup v2, or why there is none.
    package static func ownDirectory() -> Result<String, CgroupUnavailable> {
        guard let mountinfo = KernelFile.text("/proc/self/mountinfo"),
            let cgroups = KernelFile.text("/proc/self/cgroup")
        else {
            return .failure(CgroupUnavailable("/proc/self/mountinfo or /proc/self/cgroup cannot be read"))
        }
        return ownDirectory(mountinfo: mountinfo, selfCgroup: cgroups)
    }

    /// The same from the two files' text (for tests).
    package static func ownDirectory(mountinfo: String, selfCgroup: String) -> Result<String, CgroupUnavailable> {
        guard let line = selfCgroup.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else {
            return .failure(CgroupUnavailable("this process is in no cgroup v2 hierarchy (cgroup v1 only)"))
        }
        let own = String(line.dropFirst(3))
        guard own.hasPrefix("/"), !own.hasSuffix(" (deleted)") else {
            return .failure(CgroupUnavailable("this process's cgroup v2 ('\(own)') is outside the visible hierarchy"))
        }
        var found = false
        for entry in mountinfo.split(separator: "\n") {
            let fields = entry.split(separator: " ")
            guard let dash = fields.firstIndex(of: "-"), dash + 1 < fields.count, fields[dash + 1] == "cgroup2", fields.count > 5 else { continue }
            found = true
            let root = unescape(fields[3])
            let mountPoint = unescape(fields[4])
            let readOnly = fields[5].split(separator: ",").contains("ro")
            guard !readOnly else { continue }
            // The mount shows the hierarchy from `root` down; our cgroup must be under it.
            let relative: Substring
            if root == "/" {
                relative = own.dropFirst()
            } else if own == root {
                relative = ""
            } else if own.hasPrefix(root + "/") {
                relative = own.dropFirst(root.count + 1)
            } else {
                continue
            }
            return .success(relative.isEmpty ? mountPoint : mountPoint + (mountPoint.hasSuffix("/") ? "" : "/") + relative)
        }
        return .failure(CgroupUnavailable(found ? "no writable cgroup2 mount shows this process's cgroup" : "no cgroup2 file system is mounted"))
    }

    /// Mountinfo escapes space, tab, newline and backslash as octal (`\040`).
    private static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        let utf8 = Array(field.utf8)
        var i = 0
        while i < utf8.count {
            if utf8[i] == UInt8(ascii: "\\"), i + 3 < utf8.count,
                let value = UInt8(String(decoding: utf8[(i + 1)...(i + 3)], as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                i += 4
            } else {
                bytes.append(utf8[i])
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
