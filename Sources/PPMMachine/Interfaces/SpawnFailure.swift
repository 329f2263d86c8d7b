/// Why a process could not be started, ready for the `spawn_failed` event.
public struct SpawnFailure: Error, Sendable, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
