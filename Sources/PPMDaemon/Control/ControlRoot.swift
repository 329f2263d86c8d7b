import PPMClient
import PPMMachine
import PPMProtocol
import PPMScript

/// What the control service asks of the daemon's composition root: the
/// parts a reload replaces (the Lua state), and the commands that change
/// the daemon's config-side state (reload, scale) or end it (quit).
protocol ControlRoot: AnyObject {
    /// The hook host of the current Lua state (a reload replaces it).
    var host: HookHost { get }
    /// Whether a quit was asked.
    var quitting: Bool { get }
    /// The last reload's failure (wall time, `FILE:LINE: message`), until a reload succeeds.
    var reloadFailure: (time: Double, error: String)? { get }
    /// Where the metrics endpoint listens, when there is one.
    var metricsEndpoint: String? { get }
    /// Stops every service, then calls `done` and exits.
    func quit(_ done: @escaping () -> Void)
    /// Loads the config again and applies what changed.
    func reload(trigger: String) -> Result<ConfigChange, ControlFailure>
    /// What a reload would change, changing nothing.
    func reloadPlan() -> Result<ConfigChange, ControlFailure>
    /// `scale NAME N`.
    func scale(_ request: ControlRequest, _ reply: @escaping ControlService.Reply)
    /// Follows or drops the `depends` files of services added or removed.
    func followDepends()
    /// The `instances` template a copy came from, as `export` writes it.
    func exportedTemplate(of spec: ServiceSpec) -> ServiceSpec?
    /// `requires` with a template's copies named by the template once.
    func collapsingCopies(_ spec: ServiceSpec) -> ServiceSpec
}
