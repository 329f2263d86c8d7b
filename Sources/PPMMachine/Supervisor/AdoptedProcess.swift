/// A process taken over instead of started: left running by a daemon that
/// was killed, or kept across a re-exec of this one.
package struct AdoptedProcess: Sendable, Equatable {
    /// Its pid.
    package var pid: Int32
    /// Its process group: `pid`, unless sd_notify's `MAINPID=` had made
    /// another process of the group the service's main one.
    package var pgid: Int32
    /// Seconds since it started.
    package var age: Double
    /// Still a child of this process (a re-exec): its exit comes with SIGCHLD
    /// and a status; otherwise a pidfd tells only that it ended.
    package var child: Bool
    /// What the daemon that ran it knew of the run (readiness, health,
    /// sd_notify notes); nil: unknown, the run counts as ready.
    package var kept: KeptRun?

    package init(pid: Int32, pgid: Int32? = nil, age: Double, child: Bool, kept: KeptRun? = nil) {
        self.pid = pid
        self.pgid = pgid ?? pid
        self.age = age
        self.child = child
        self.kept = kept
    }
}
