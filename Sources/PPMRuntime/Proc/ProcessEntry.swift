import Glibc
import SystemCalls

/// What `stats` needs from one process's `/proc/PID/stat`.
package struct ProcessEntry: Sendable, Equatable {
    /// The process id.
    package var pid: Int32
    /// Its parent (field 4).
    package var ppid: Int32
    /// Its process group (field 5).
    package var pgrp: Int32
    /// CPU time used, user + system, in clock ticks (fields 14 + 15).
    package var ticks: UInt64
    /// When it started, in clock ticks since boot (field 22); with `pid`
    /// it tells a process from a later one that reused its pid.
    package var start: UInt64
    /// Resident pages (field 24).
    package var rssPages: Int64
    /// Whether it has ended and waits to be reaped (state `Z`, field 3).
    package var zombie = false
    /// Whether it is stopped by a signal (SIGSTOP, SIGTSTP: state `T`, field 3).
    package var stopped = false

    /// An entry with these fields.
    package init(pid: Int32, pgrp: Int32, ticks: UInt64, start: UInt64, rssPages: Int64, ppid: Int32 = 0) {
        self.pid = pid
        self.ppid = ppid
        self.pgrp = pgrp
        self.ticks = ticks
        self.start = start
        self.rssPages = rssPages
    }
}
