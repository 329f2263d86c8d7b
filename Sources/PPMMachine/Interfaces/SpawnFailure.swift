/// Why a process could not be started, ready for the `spawn_failed` event.
package struct SpawnFailure: Error, Sendable, Equatable {
    package var message: String
    /// The daemon ran out of file descriptors (EMFILE, ENFILE, or its own
    /// reserve): trying again cannot help until some are freed, so the
    /// service goes `fatal` at once instead of retrying.
    package var outOfDescriptors = false
    package init(_ message: String, outOfDescriptors: Bool = false) {
        self.message = message
        self.outOfDescriptors = outOfDescriptors
    }
}
