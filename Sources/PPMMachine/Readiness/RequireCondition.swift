/// What a dependent waits for in a service it requires (`requires = { db = "healthy" }`).
package enum RequireCondition: String, Sendable, Equatable {
    /// Its process has been spawned.
    case started
    /// It is ready (`running`): the default.
    case ready
    /// Ready, and its last health check passed.
    case healthy
    /// It exited with status 0 (the default for a `once` job).
    case succeeded
}
