/// What captured output keeps open, for the daemon's descriptor budget
/// (`DescriptorGate`): a pipe read end per stream from its first process
/// on (and its write end while no fd holder keeps it), and a bounded share
/// of log files open at once (`OpenLogFiles`), whatever the number of services.
extension OutputCapture {
    /// Log files that may still be opened: the budget counts them as open,
    /// so the share of log files is never taken by services.
    package var unopenedLogFiles: Int { openFiles.unopened }

    /// The most log files open at once.
    package var logFileCapacity: Int { openFiles.capacity }

    /// What one captured stream keeps open in the daemon: its pipe's read
    /// end, and its write end too while no fd holder keeps it.
    package var descriptorsPerStream: Int { keeper == nil ? 2 : 1 }

    /// The capacity of the share of open log files for an open-files limit:
    /// a 128th of it, 8 to 256 files.
    package static func logFileCapacity(limit: Int) -> Int { OpenLogFiles.capacity(limit: limit) }
}
