/// What captured output keeps open, for the daemon's descriptor budget
/// (`DescriptorGate`): a pipe read end per stream from its first process
/// on, and its log file from the first line written.
extension OutputCapture {
    /// Log files of captured streams not opened yet: each will take a
    /// descriptor at its stream's first line. O(streams): read only when
    /// the gate counts, not per start.
    package var unopenedLogFiles: Int {
        streams.values.reduce(0) { sum, own in sum + own.values.reduce(0) { $0 + ($1.file.isOpen ? 0 : 1) } }
    }
}
