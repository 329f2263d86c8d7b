import Glibc

/// Where each of SPEC 10's limits is enforced: the v2 controller in the
/// daemon's unified subtree where the unified hierarchy has it (enabled
/// in the subtree's `cgroup.subtree_control`), else the v1 hierarchy of
/// that controller on a hybrid system, under the daemon's own cgroup of
/// that hierarchy (as systemd's hybrid mode does). Found once at start.
package struct LimitControllers: Sendable, Equatable {
    /// One controller's home.
    package enum Place: Sendable, Equatable {
        /// The v2 controller is enabled for the services' cgroups.
        case unified
        /// A v1 hierarchy: the subtree `<own cgroup there>/ppm-lua-<hash>`.
        case legacy(root: String)
    }

    /// `memory_max`, `memory_high`, `oom` reports.
    package var memory: Place?
    /// `pids_max`.
    package var pids: Place?
    /// `cpu_max`.
    package var cpu: Place?
    /// `io_weight`, with the file it is written to (`io.weight`, `blkio.weight`, `blkio.bfq.weight`).
    package var io: Place?
    /// The file `io_weight` goes to.
    package var ioFile = "io.weight"
    /// Why the controllers that are missing are (one line).
    package var missing: [String: String] = [:]

    /// The v1 subtrees in use, one per hierarchy (cpu and cpuacct may share one).
    package var legacyRoots: [String] {
        var roots: [String] = []
        for place in [memory, pids, cpu, io] {
            if case .legacy(let root)? = place, !roots.contains(root) { roots.append(root) }
        }
        return roots
    }

    /// The controllers a set of limits needs, by their v2 names.
    package static func needed(_ names: [String]) -> Set<String> {
        Set(
            names.map { name in
                switch name {
                case "memory_max", "memory_high": "memory"
                case "cpu_max": "cpu"
                case "pids_max": "pids"
                default: "io"
                }
            })
    }

    /// The place of a v2 controller name.
    package func place(_ controller: String) -> Place? {
        switch controller {
        case "memory": memory
        case "pids": pids
        case "cpu": cpu
        default: io
        }
    }

    /// The v1 subtrees (`<own cgroup>/ppm-lua-<hash>`) of the memory, pids,
    /// cpu and blkio hierarchies, made or not.
    package static func legacyCandidates(hash: String) -> [String] {
        let own = LegacyHierarchies.ownDirectories()
        var roots: [String] = []
        for v1 in ["memory", "pids", "cpu", "blkio"] {
            if let dir = own[v1], !roots.contains(dir + "/ppm-lua-" + hash) { roots.append(dir + "/ppm-lua-" + hash) }
        }
        return roots
    }

    /// Finds the controllers for services' cgroups under `unifiedRoot`
    /// (`ServiceCgroups.root`), enabling the v2 ones it can; the v1
    /// subtrees are named with `hash` (made when a service needs them).
    package static func discover(unifiedRoot: String, hash: String) -> LimitControllers {
        var found = LimitControllers()
        let parent = String(unifiedRoot[..<(unifiedRoot.lastIndex(of: "/") ?? unifiedRoot.endIndex)])
        let available = Set((KernelFile.text(parent + "/cgroup.controllers") ?? "").split(whereSeparator: \.isWhitespace).map(String.init))
        var unified: Set<String> = []
        for controller in ["memory", "pids", "cpu", "io"] where available.contains(controller) {
            // Into the parent's subtree_control (refused, EBUSY, when the
            // daemon's own cgroup holds processes and is not the root), then ours.
            if KernelFile.write(parent + "/cgroup.subtree_control", "+" + controller) == 0,
                KernelFile.write(unifiedRoot + "/cgroup.subtree_control", "+" + controller) == 0
            {
                unified.insert(controller)
            }
        }
        let legacy = LegacyHierarchies.ownDirectories()
        func place(_ controller: String, _ v1: String) -> Place? {
            if unified.contains(controller) { return .unified }
            guard let own = legacy[v1], access(own, W_OK) == 0 else {
                let v2 = available.contains(controller) ? "cannot be enabled in \(parent)" : "is not in the unified hierarchy"
                found.missing[controller] = "the \(controller) controller \(v2), and no writable cgroup v1 '\(v1)' hierarchy holds the daemon"
                return nil
            }
            return .legacy(root: own + "/ppm-lua-" + hash)
        }
        found.memory = place("memory", "memory")
        found.pids = place("pids", "pids")
        found.cpu = place("cpu", "cpu")
        if unified.contains("io") {
            found.io = .unified
        } else if let own = legacy["blkio"], let file = ["blkio.bfq.weight", "blkio.weight"].first(where: { access(own + "/" + $0, F_OK) == 0 }) {
            found.io = .legacy(root: own + "/ppm-lua-" + hash)
            found.ioFile = file
        } else {
            found.missing["io"] = "the io controller is not in the unified hierarchy, and the v1 blkio hierarchy has no weight (no BFQ scheduler)"
        }
        return found
    }
}

extension LimitControllers: CustomStringConvertible {
    /// `memory v1 (/sys/fs/cgroup/memory/…), pids v2, cpu v1 (…), io none`.
    package var description: String {
        [("memory", memory), ("pids", pids), ("cpu", cpu), ("io", io)].map { name, place in
            switch place {
            case .unified?: "\(name) v2"
            case .legacy(let root)?: "\(name) v1 (\(root))"
            case nil: "\(name) none"
            }
        }.joined(separator: ", ")
    }
}

extension LimitControllers {
    /// Without making or enabling anything (`check`): the controllers a
    /// daemon started like this process could most likely use, by their v2
    /// names, with why each other one is missing.
    package static func probe() -> (usable: Set<String>, missing: [String: String]) {
        let unified: String?
        switch CgroupHierarchy.ownDirectory() {
        case .success(let dir) where access(dir, W_OK) == 0: unified = dir
        default: unified = nil
        }
        let available =
            unified.map { Set((KernelFile.text($0 + "/cgroup.controllers") ?? "").split(whereSeparator: \.isWhitespace).map(String.init)) } ?? []
        let legacy = LegacyHierarchies.ownDirectories()
        var usable: Set<String> = []
        var missing: [String: String] = [:]
        for (controller, v1) in [("memory", "memory"), ("pids", "pids"), ("cpu", "cpu"), ("io", "blkio")] {
            let v1Usable =
                legacy[v1].map { own in
                    access(own, W_OK) == 0 && (v1 != "blkio" || ["blkio.bfq.weight", "blkio.weight"].contains { access(own + "/" + $0, F_OK) == 0 })
                } ?? false
            if unified != nil && (available.contains(controller) || v1Usable) {
                usable.insert(controller)
            } else {
                missing[controller] =
                    unified == nil
                    ? "services get no cgroup here (no writable cgroup v2 of this process)"
                    : "no \(controller) controller in the unified hierarchy nor a writable v1 '\(v1)' hierarchy"
            }
        }
        return (usable, missing)
    }
}
