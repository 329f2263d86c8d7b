import Glibc

/// Finds the main processes of a daemon's services by the variables every
/// service process gets (`PPM_LUA_HOME`, `PPM_LUA_SERVICE`): what a killed
/// daemon left running is found even when it died before recording a
/// process it had just started. Only group leaders count (each service
/// runs in its own session), so the service's own children are not taken
/// for it.
public enum ServiceFinder {
    public static let homeVariable = "PPM_LUA_HOME"
    public static let serviceVariable = "PPM_LUA_SERVICE"

    /// Group leaders marked with `home`, by service name, oldest first.
    public static func find(home: String) -> [String: [Int32]] {
        let homeMark = Array("\(homeVariable)=\(home)".utf8)
        let serviceMark = Array("\(serviceVariable)=".utf8)
        var found: [String: [(start: UInt64, pid: Int32)]] = [:]
        for entry in ProcessTable.read().entries where entry.pid == entry.pgrp && entry.pid != getpid() {
            guard let environ = KernelFile.bytes("/proc/\(entry.pid)/environ") else { continue }
            var ours = false
            var name: String?
            for variable in environ.split(separator: 0) {
                if variable.elementsEqual(homeMark) { ours = true }
                if variable.starts(with: serviceMark) { name = String(decoding: variable.dropFirst(serviceMark.count), as: UTF8.self) }
            }
            if ours, let name { found[name, default: []].append((entry.start, entry.pid)) }
        }
        return found.mapValues { $0.sorted { $0.start < $1.start }.map(\.pid) }
    }
}
