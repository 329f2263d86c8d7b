/// One change of the persisted state: running processes (so a later daemon
/// never runs a service twice) and the services added at run time.
package enum StateChange: Sendable, Equatable {
    /// The service's process group runs with this leader.
    case running(String, pid: Int32)
    /// What the next daemon keeps of the service's current run (readiness,
    /// health, sd_notify notes), recorded beside its process.
    case kept(String, KeptRun)
    /// The service has no process left.
    case gone(String)
    /// A run-time service was added (or replaced), with its held flag.
    case saved(ServiceSpec, held: Bool)
    /// A run-time service was stopped on request (true) or started again.
    case held(String, Bool)
    /// A run-time service was removed.
    case forgotten(String)
    /// An `instances` template runs `count` copies (`ppm-lua scale`) while
    /// the config says `configured`; a nil count forgets the choice.
    case scaled(String, count: Int?, configured: Int)
}
