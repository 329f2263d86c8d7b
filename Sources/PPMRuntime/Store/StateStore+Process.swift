package import PPMMachine

extension StateStore {
    /// A recorded process group: its leader and when it started (clock
    /// ticks since boot, /proc/PID/stat field 22).
    package struct Process: Sendable, Equatable {
        package var pid: Int32
        package var start: UInt64
        /// Its process group: `pid`, unless sd_notify's `MAINPID=` made
        /// another process of the group the service's main one.
        package var pgid: Int32
        /// What the next daemon keeps of the run (readiness, health, notes).
        package var kept: KeptRun?

        init(pid: Int32, start: UInt64, pgid: Int32? = nil, kept: KeptRun? = nil) {
            self.pid = pid
            self.start = start
            self.pgid = pgid ?? pid
            self.kept = kept
        }

        /// Its line in the log (the whole record, as a snapshot writes it).
        func line(_ name: String) -> String {
            var o: [String: JSONValue] = ["run": .string(name), "pid": .int(Int64(pid)), "start": .int(Int64(start))]
            if pgid != pid { o["pgid"] = .int(Int64(pgid)) }
            if let kept { o["kept"] = kept.json }
            return JSONValue.object(o).text
        }
    }
}
