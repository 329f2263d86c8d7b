import Glibc
import PPMMachine
import PPMRuntime

/// What a killed daemon (or the image before a re-exec) left running, found
/// at start before anything is spawned: the processes its state log
/// records that still run, the process groups it was stopping, other copies
/// of a service found by the mark in their environment, and `ppm.spawn`
/// helpers that were not handed over. `Daemon.adopt` then takes over or
/// ends each.
struct Leftovers {
    /// One process per service, to adopt if the service is still declared.
    var processes: [(name: String, pid: Int32)]
    /// Groups whose leader is gone while members remain (a stop was draining them).
    var strays: [(name: String, pgid: Int32)]
    /// Further copies of a service: ended.
    var duplicates: [(name: String, pgid: Int32)] = []
    /// Process groups of helpers a killed daemon left: ended.
    var helpers: [Int32] = []
    /// What was known of each service's run (readiness, health, sd_notify
    /// notes): recorded in the state log, or handed over by an upgrade.
    var kept: [String: KeptRun] = [:]

    /// Reads the state log's records and looks for processes marked as this
    /// home's services (a daemon killed right after a spawn had no time to
    /// record it): one per service is kept, any other copy is a duplicate.
    /// `specs`: the services declared and the run-time ones recorded;
    /// `handedOver`: helpers an upgrade hands over (not strays).
    static func find(store: StateStore, specs: [ServiceSpec], home: String, cgroups: ServiceCgroups?, handedOver: Set<Int32>) -> Leftovers {
        var left = Leftovers(processes: store.leftovers(), strays: store.strays())
        left.kept = store.keptRuns()
        let check = AdoptionCheck(owners: owners(specs), cgroups: cgroups, withoutCgroup: [HelperProcesses.mark])
        var found = ServiceFinder.find(home: home, adopting: Set(specs.map(\.name)), check: check)
        // `ppm.spawn` helpers: taken over after a re-exec, ended after a kill.
        left.helpers = (found.removeValue(forKey: HelperProcesses.mark) ?? []).filter { !handedOver.contains($0) }
        for (name, pids) in found {
            let kept = left.processes.first { $0.name == name }?.pid ?? pids[0]
            if !left.processes.contains(where: { $0.name == name }) { left.processes.append((name, kept)) }
            // The leader of the kept process's own group is no copy (a main process set by MAINPID=).
            let group = getpgid(kept)
            left.duplicates += pids.filter { $0 != kept && $0 != group }.map { (name, $0) }
        }
        return left
    }

    /// The uid each service with a `user` runs as (unknown users left out:
    /// such a service cannot have run, so nothing is adopted for it).
    static func owners(_ specs: [ServiceSpec]) -> [String: uid_t] {
        var owners: [String: uid_t] = [:]
        for spec in specs {
            guard let user = spec.user else { continue }
            owners[spec.name] = getpwnam(user).map { $0.pointee.pw_uid } ?? uid_t.max
        }
        return owners
    }
}
