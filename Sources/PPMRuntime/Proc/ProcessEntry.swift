import Glibc
import SystemCalls

/// What `stats` needs from one process's `/proc/PID/stat`.
public struct ProcessEntry: Sendable, Equatable {
    /// The process id.
    public var pid: Int32
    /// Its parent (field 4).
    public var ppid: Int32
    /// Its process group (field 5).
    public var pgrp: Int32
    /// CPU time used, user + system, in clock ticks (fields 14 + 15).
    public var ticks: UInt64
    /// When it started, in clock ticks since boot (field 22); with `pid`
    /// it tells a process from a later one that reused its pid.
    public var start: UInt64
    /// Resident pages (field 24).
    public var rssPages: Int64
    /// Whether it has ended and waits to be reaped (state `Z`, field 3).
    public var zombie = false

    /// An entry with these fields.
    public init(pid: Int32, pgrp: Int32, ticks: UInt64, start: UInt64, rssPages: Int64, ppid: Int32 = 0) {
        self.pid = pid
        self.ppid = ppid
        self.pgrp = pgrp
        self.ticks = ticks
        self.start = start
        self.rssPages = rssPages
    }
}
