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
        package var kept: KeptRun? {
            get { keptBox?.run }
            set { keptBox = newValue.map(KeptBox.init) }
        }
        /// `kept`, boxed: most records have none, and the table's every slot
        /// (a thousand services: two thousand slots) is then 32 bytes, not 170.
        private var keptBox: KeptBox?

        init(pid: Int32, start: UInt64, pgid: Int32? = nil, kept: KeptRun? = nil) {
            self.pid = pid
            self.start = start
            self.pgid = pgid ?? pid
            self.keptBox = kept.map(KeptBox.init)
        }

        /// Same leader, start, group and kept run.
        package static func == (a: Process, b: Process) -> Bool {
            a.pid == b.pid && a.start == b.start && a.pgid == b.pgid && a.kept == b.kept
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

/// A kept run on the heap, so that a process record without one stays small.
private final class KeptBox: Sendable {
    /// The kept run.
    let run: KeptRun

    init(_ run: KeptRun) { self.run = run }
}
