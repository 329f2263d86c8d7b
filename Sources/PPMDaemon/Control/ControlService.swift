import Dispatch
import PPMClient
import PPMMachine
import PPMProtocol
import PPMRuntime
import PPMScript

/// The control commands (SPEC 7): each request from the control socket or
/// the TCP listener is served here, as a turn of the loop, one method per
/// command (`Commands*.swift`, `LogsCommand`, `WatchCommand`, `why`).
/// It holds the parts the commands read and act on; what changes the
/// daemon's config-side state or ends it (reload, scale, quit) it asks
/// of the composition root (`ControlRoot`).
///
/// `@unchecked Sendable` because, like the daemon, it is confined to the
/// loop queue: work it sends elsewhere (`stats` on the side thread) comes
/// back there with `turnAsync` before it touches its state.
final class ControlService: @unchecked Sendable {
    /// Sends a request's one reply.
    typealias Reply = (Result<JSONValue, ControlFailure>) -> Void

    /// The daemon's composition root (it owns this service).
    unowned let root: any ControlRoot
    let options: DaemonOptions
    /// The loop's queue.
    let queue: DispatchQueue
    let loop: SupervisorLoop
    let scheduler: DispatchScheduler
    /// When the daemon started, on the monotonic clock.
    let startedAt: Double
    let cgroups: CgroupPlacement
    let disk: HomeDisk
    let store: StateStore
    let output: OutputCapture
    let notify: SdNotify
    let forwarder: Forwarder
    let remote: RemoteAccess
    let upgrader: Upgrader
    /// Slow work off the loop (`stats`, `watch` samples).
    let sideWork: WorkerThread
    /// The `watch` subscriptions (`ppm-lua top`).
    let watches = WatchSubscriptions()
    /// Who last asked to start, stop, restart or signal each service (`why`).
    var requestLog = ControlRequestLog()

    /// A service serving from the daemon's parts (made by its `init`), asking `root` for the rest.
    init(
        root: any ControlRoot, options: DaemonOptions, queue: DispatchQueue, loop: SupervisorLoop, scheduler: DispatchScheduler, startedAt: Double,
        cgroups: CgroupPlacement, disk: HomeDisk, store: StateStore, output: OutputCapture, notify: SdNotify,
        forwarder: Forwarder, remote: RemoteAccess, upgrader: Upgrader, sideWork: WorkerThread
    ) {
        (self.root, self.options, self.loop, self.scheduler, self.startedAt) = (root, options, loop, scheduler, startedAt)
        (self.cgroups, self.disk, self.store, self.output, self.notify) = (cgroups, disk, store, output, notify)
        (self.forwarder, self.remote, self.upgrader, self.sideWork) = (forwarder, remote, upgrader, sideWork)
        self.queue = queue
    }

    /// The services' state machine.
    var supervisor: Supervisor { loop.supervisor }
    /// The daemon's journal.
    var journal: Journal { loop.journal }
    /// The hook host of the current Lua state.
    var host: HookHost { root.host }
    /// Whether a quit was asked.
    var quitting: Bool { root.quitting }

    /// `unknown service 'NAME'`, or for the name of an `instances` template
    /// where one service is meant (`show web`): which copies to name instead.
    func unknownService(_ name: String) -> ControlFailure {
        guard let copies = supervisor.resolve(name), let first = copies.first, let last = copies.last else {
            return ControlFailure("unknown service '\(name)'")
        }
        let which = copies.count == 1 ? first : "\(first) … \(last)"
        return ControlFailure("'\(name)' runs as \(copies.count) instance\(copies.count == 1 ? "" : "s") (\(which)): name one")
    }
}
