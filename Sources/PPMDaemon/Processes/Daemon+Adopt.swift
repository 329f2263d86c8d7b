import Glibc
import PPMMachine
import PPMRuntime

/// Adoption at start-up: what a killed daemon (or the image before a
/// re-exec) left running.
extension Daemon {
    /// Takes over the processes a killed daemon left running, for the
    /// services still declared (never a second copy); ends the others (stop
    /// signal, SIGKILL after a few seconds). Groups it was stopping already
    /// had their stop signal: they get SIGKILL. `ppm.spawn` helpers it left
    /// are ended too (their `on_exit` died with it).
    func adopt(_ left: Leftovers) {
        for (name, pgid) in left.strays {
            log("warn", "killing what is left of '\(name)' (process group \(pgid)): a previous daemon was stopping it")
            kill(-pgid, SIGKILL)
        }
        var ending = left.duplicates
        for (name, pid) in left.processes {
            if supervisor.snapshot(name) != nil, let age = StateStore.age(pid) {
                let child = Self.parent(of: pid) == getpid()
                if !child { log("info", "adopting '\(name)' (pid \(pid)) left running by a previous daemon") }
                // Still a child (this daemon re-executed): reaped through a pidfd again.
                if child { reaper.watch(child: pid) }
                let group = getpgid(pid)
                let process = AdoptedProcess(pid: pid, pgid: group > 0 ? group : pid, age: age, child: child, kept: left.kept[name])
                loop.send(.adopt(name, process))
                // Stopped by a signal (SIGSTOP) under the previous image: still paused. Only
                // for a child: the SIGCONT that ends it reaches only its parent as SIGCHLD,
                // so a process adopted after a kill would stay `paused` when continued.
                if child, ProcessTable.entry(pid)?.stopped == true { loop.send(.paused(pid: pid)) }
            } else {
                let group = getpgid(pid)  // the recorded pid may be a main process set by MAINPID=
                ending.append((name, group > 0 ? group : pid))
            }
        }
        // Pipes kept for services that are gone (their processes end below).
        for name in output.names where supervisor.snapshot(name) == nil { output.remove(name) }
        for (name, pgid) in ending {
            log("warn", "ending '\(name)' (process group \(pgid)) left running by a previous daemon: no such service now")
            kill(-pgid, SIGTERM)
        }
        for pgid in left.helpers {
            log("warn", "ending a ppm.spawn helper (process group \(pgid)) left running by a previous daemon")
            kill(-pgid, SIGTERM)
            ending.append((HelperProcesses.mark, pgid))
        }
        guard !ending.isEmpty else { return }
        // Their ended members are not our children: zombies until reaped
        // elsewhere, which does not count as running.
        var running = Set(ending.map(\.pgid))
        let deadline = scheduler.now + 5
        while true {
            running = ProcessTable.read().runningGroups(among: running)
            if running.isEmpty || scheduler.now >= deadline { break }
            usleep(20_000)
        }
        for pgid in running { kill(-pgid, SIGKILL) }
    }

    /// The parent of a process, from /proc (nil if it is gone).
    static func parent(of pid: Int32) -> Int32? { ProcessTable.entry(pid)?.ppid }
}
