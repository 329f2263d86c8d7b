/// How a service's exits are answered when no hook decides.
package enum RestartPolicy: String, Sendable, Equatable {
    case onFailure = "on-failure"
    case always
    case never
    /// A Lua policy function decides; the script layer holds it.
    case function
}
