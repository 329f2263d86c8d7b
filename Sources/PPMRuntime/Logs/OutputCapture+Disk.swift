import Glibc

/// A log file that cannot be written (a full disk, a quota): its stream
/// stops reading its pipe, so the service's writes wait there (a writer
/// blocks once 64 KiB are pending) instead of being read and dropped, and
/// the lines already read are kept whole. Every stalled stream is retried
/// on a timer of the loop (no busy loop); once a write works the stream
/// reads on. The daemon hears of the first stall of an episode and of its
/// end (`onProblem`): one `disk_full` in the journal, shown by `status` and
/// by `show` for each service whose output waits.
extension OutputCapture {
    /// Seconds between two tries of the stalled streams.
    static let retryInterval = 1.0

    /// Why `name`'s output cannot be written now (nil: it can).
    package func writeProblem(_ name: String) -> WriteFailure? {
        capturedStreams(of: name).lazy.compactMap(\.failure).first
    }

    /// Tries every stalled stream again now (the timer does it by itself).
    package func retryStalled() {
        for (_, entry) in stalled { entry.stream.retry() }
        armRetry()
    }

    /// A stream of `name` stalled (`failure`) or writes again (nil).
    func streamFailed(_ name: String, _ stream: CapturedStream, _ failure: WriteFailure?) {
        let id = ObjectIdentifier(stream)
        if let failure {
            stalled[id] = (name, stream)
            if problem == nil {
                problem = failure
                onProblem?(failure)
            }
            armRetry()
        } else if stalled.removeValue(forKey: id) != nil, stalled.isEmpty {
            problem = nil
            onProblem?(nil)
        }
    }

    private func armRetry() {
        guard !stalled.isEmpty, !retryArmed, let schedule else { return }
        retryArmed = true
        schedule(Self.retryInterval) { [weak self] in
            guard let self else { return }
            self.retryArmed = false
            self.retryStalled()
        }
    }
}
