/// The cgroup v1 hierarchies of a hybrid system and this process's own
/// cgroup in each: from /proc/self/mountinfo (mounts of type `cgroup`,
/// their controllers in the super options) and /proc/self/cgroup
/// (`N:controllers:/path`).
package enum LegacyHierarchies {
    /// Own directory by controller (`memory`, `pids`, `cpu`, `blkio`…).
    package static func ownDirectories() -> [String: String] {
        guard let mountinfo = KernelFile.text("/proc/self/mountinfo"), let cgroups = KernelFile.text("/proc/self/cgroup") else { return [:] }
        return ownDirectories(mountinfo: mountinfo, selfCgroup: cgroups)
    }

    /// The same from the two files' text (for tests).
    package static func ownDirectories(mountinfo: String, selfCgroup: String) -> [String: String] {
        var own: [String: String] = [:]  // controller -> path in its hierarchy
        for line in selfCgroup.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, !parts[1].isEmpty else { continue }
            for controller in parts[1].split(separator: ",") { own[String(controller)] = String(parts[2]) }
        }
        var result: [String: String] = [:]
        for entry in mountinfo.split(separator: "\n") {
            let fields = entry.split(separator: " ")
            guard let dash = fields.firstIndex(of: "-"), dash + 3 < fields.count, fields[dash + 1] == "cgroup", fields.count > 5 else { continue }
            guard !fields[5].split(separator: ",").contains("ro") else { continue }
            let root = String(fields[3])
            let mountPoint = String(fields[4])
            for option in fields[dash + 3].split(separator: ",") {
                let controller = String(option)
                guard let path = own[controller], result[controller] == nil else { continue }
                let relative: Substring
                if root == "/" {
                    relative = path.dropFirst()
                } else if path == root {
                    relative = ""
                } else if path.hasPrefix(root + "/") {
                    relative = path.dropFirst(root.count + 1)
                } else {
                    continue
                }
                result[controller] = relative.isEmpty ? mountPoint : mountPoint + "/" + relative
            }
        }
        return result
    }
}
