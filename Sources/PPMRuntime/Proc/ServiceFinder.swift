import Glibc

/// Finds the main processes of a daemon's services by the variables every
/// service process gets (`PPM_LUA_HOME`, `PPM_LUA_SERVICE`): what a killed
/// daemon left running is found even when it died before recording a
/// process it had just started. Only group leaders count (each service
/// runs in its own session), so the service's own children are not taken
/// for it.
package enum ServiceFinder {
    package static let homeVariable = "PPM_LUA_HOME"
    package static let serviceVariable = "PPM_LUA_SERVICE"

    /// Group leaders marked with `home`, by service name, oldest first,
    /// among those `check` trusts (the marks alone are text anyone can set).
    /// Under the names in `adopting`, a descendant of another leader of the
    /// same service (a child that made its own session with `setsid`
    /// inherits the marks) is not a copy of the service and is left out;
    /// under other names, all are ended, so all are returned.
    package static func find(home: String, adopting: Set<String> = [], check: AdoptionCheck? = nil) -> [String: [Int32]] {
        let homeMark = Array("\(homeVariable)=\(home)".utf8)
        let serviceMark = Array("\(serviceVariable)=".utf8)
        let table = ProcessTable.read()
        var found: [String: [(start: UInt64, pid: Int32)]] = [:]
        for entry in table.entries where entry.pid == entry.pgrp && entry.pid != getpid() {
            guard let environ = KernelFile.bytes("/proc/\(entry.pid)/environ") else { continue }
            var ours = false
            var name: String?
            for variable in environ.split(separator: 0) {
                if variable.elementsEqual(homeMark) { ours = true }
                if variable.starts(with: serviceMark) { name = String(decoding: variable.dropFirst(serviceMark.count), as: UTF8.self) }
            }
            guard ours, let name, check?.trusts(entry.pid, as: name) ?? true else { continue }
            found[name, default: []].append((entry.start, entry.pid))
        }
        var parents: [Int32: Int32] = [:]
        for entry in table.entries { parents[entry.pid] = entry.ppid }
        for (name, copies) in found where adopting.contains(name) {
            let leaders = Set(copies.map(\.pid))
            found[name] = copies.filter { !descends($0.pid, fromAnyOf: leaders, parents) }
        }
        return found.mapValues { $0.sorted { $0.start < $1.start }.map(\.pid) }
    }

    /// Whether one of `pid`'s ancestors (up to 64 generations) is in `leaders`.
    static func descends(_ pid: Int32, fromAnyOf leaders: Set<Int32>, _ parents: [Int32: Int32]) -> Bool {
        var current = parents[pid] ?? 0
        for _ in 0..<64 where current > 1 {
            if leaders.contains(current) { return true }
            current = parents[current] ?? 0
        }
        return false
    }
}
